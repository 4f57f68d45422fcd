# The routing core's sources (state, decide, apply).
target_sources(ekc_router PRIVATE)
target_sources(ekc_router PRIVATE config.cc)
