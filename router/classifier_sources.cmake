# The classifier's sources: text normalisation, morphology, the lexicon of rule words, rules
# compilation, classification.
target_sources(ekc_router PRIVATE classifier.cc lexicon.cc morphology.cc normalize.cc rules_compiler.cc text.cc)
# A flat hash map for the per-thread word cache of lexicon.cc (abseil, as gRPC ships it).
target_link_libraries(ekc_router PRIVATE absl::flat_hash_map)
