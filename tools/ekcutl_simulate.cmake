# ekcutl simulate: the routing core under an Erlang C / A load on a virtual clock; with --from-log,
# a log's recorded arrivals under another config (an ekcd.yaml), rules file or staffing.
target_sources(ekcutl PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/ekcutl/simulate_command.cc
                              ${CMAKE_CURRENT_SOURCE_DIR}/ekcutl/erlang_simulation.cc
                              ${CMAKE_CURRENT_SOURCE_DIR}/ekcutl/simulate_from_log.cc
                              ${CMAKE_CURRENT_SOURCE_DIR}/ekcutl/log_simulation.cc
                              ${CMAKE_CURRENT_SOURCE_DIR}/ekcutl/log_recording.cc
                              ${CMAKE_CURRENT_SOURCE_DIR}/ekcutl/staffing_file.cc)
target_link_libraries(ekcutl PRIVATE ekc_daemon_config yaml-cpp)
