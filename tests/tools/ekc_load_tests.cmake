# ekc-load: unit tests of its histogram, arrival schedule, pacing and agreement check, and runs of the
# real tool against the real ekcd (and the no-op server) over loopback.
add_executable(ekc_load_tests ${CMAKE_CURRENT_SOURCE_DIR}/ekc_load_test.cc)
target_link_libraries(ekc_load_tests PRIVATE ekc_load_lib ekc_test_process nlohmann_json::nlohmann_json
                                             ekc_warnings GTest::gtest GTest::gtest_main)
target_compile_definitions(ekc_load_tests PRIVATE EKC_LOAD_PATH="$<TARGET_FILE:ekc-load>"
                                                  EKCUTL_PATH="$<TARGET_FILE:ekcutl>"
                                                  NOOP_SERVER_PATH="$<TARGET_FILE:noop_server>")
add_dependencies(ekc_load_tests ekc-load ekcutl ekcd noop_server)
gtest_discover_tests(ekc_load_tests TEST_PREFIX "EkcLoad." DISCOVERY_TIMEOUT 60
                     PROPERTIES LABELS "integration" TIMEOUT 120)
