# ekcutl simulate against the Erlang C / A oracle (../shared/oracle/erlang.py).
add_executable(ekcutl_simulate_tests ${CMAKE_CURRENT_SOURCE_DIR}/ekcutl_simulate_test.cc)
target_link_libraries(ekcutl_simulate_tests PRIVATE ekc_test_process nlohmann_json::nlohmann_json ekc_warnings
                                                    GTest::gtest GTest::gtest_main)
target_compile_definitions(ekcutl_simulate_tests PRIVATE EKCUTL_PATH="$<TARGET_FILE:ekcutl>")
add_dependencies(ekcutl_simulate_tests ekcutl)
gtest_discover_tests(ekcutl_simulate_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "router" TIMEOUT 300)
