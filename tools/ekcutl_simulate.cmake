# ekcutl simulate: the routing core under an Erlang C / A load on a virtual clock.
target_sources(ekcutl PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/ekcutl/simulate_command.cc
                              ${CMAKE_CURRENT_SOURCE_DIR}/ekcutl/erlang_simulation.cc)
