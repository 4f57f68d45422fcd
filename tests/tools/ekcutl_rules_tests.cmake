# ekcutl rules (check, explain, test) on the default rules, the labelled examples and broken files.
add_executable(ekcutl_rules_tests ${CMAKE_CURRENT_SOURCE_DIR}/ekcutl_rules_test.cc)
target_link_libraries(ekcutl_rules_tests PRIVATE ekc_test_process nlohmann_json::nlohmann_json ekc_warnings
                                                 GTest::gtest GTest::gtest_main)
target_compile_definitions(ekcutl_rules_tests PRIVATE EKCUTL_PATH="$<TARGET_FILE:ekcutl>")
add_dependencies(ekcutl_rules_tests ekcutl)
gtest_discover_tests(ekcutl_rules_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "tools" TIMEOUT 120)
