# The classifier's sources: text normalisation, morphology, the lexicon of rule words, rules
# compilation, classification.
target_sources(ekc_router PRIVATE classifier.cc lexicon.cc morphology.cc normalize.cc rules_compiler.cc text.cc)
