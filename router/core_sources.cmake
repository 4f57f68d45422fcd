# The routing core's sources (state, decide, apply).
target_sources(ekc_router PRIVATE config.cc names.cc state.cc statistics.cc event_factory.cc decide.cc decide_operator.cc decide_handover.cc dispatch.cc system_step.cc
                                  router.cc invariants.cc)
