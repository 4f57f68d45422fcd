# ekcutl log: dump, verify, replay, snapshots, export and prune of an event log folder, offline.
target_sources(ekcutl PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/ekcutl/log_commands.cc
                              ${CMAKE_CURRENT_SOURCE_DIR}/ekcutl/log_common.cc
                              ${CMAKE_CURRENT_SOURCE_DIR}/ekcutl/log_dump.cc
                              ${CMAKE_CURRENT_SOURCE_DIR}/ekcutl/log_verify.cc
                              ${CMAKE_CURRENT_SOURCE_DIR}/ekcutl/log_replay.cc
                              ${CMAKE_CURRENT_SOURCE_DIR}/ekcutl/log_retention.cc
                              ${CMAKE_CURRENT_SOURCE_DIR}/ekcutl/log_reclassify.cc)
