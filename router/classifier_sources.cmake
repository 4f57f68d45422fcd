# The classifier's sources (text normalisation, rules compilation, classification).
target_sources(ekc_router PRIVATE classifier.cc rules_compiler.cc text.cc)
