# ekcctl's supervisor commands (dashboard, contacts, operators, queue, contact, operator state)
# against the real ekcd.
add_executable(ekcctl_supervision_tests ${CMAKE_CURRENT_SOURCE_DIR}/ekcctl_supervision_test.cc
                                        ${PROJECT_SOURCE_DIR}/tests/daemon/desk_client.cc)
target_link_libraries(ekcctl_supervision_tests PRIVATE ekc_test_process ekc_proto_grpc
  nlohmann_json::nlohmann_json ekc_warnings GTest::gtest GTest::gtest_main)
target_compile_definitions(ekcctl_supervision_tests PRIVATE EKCCTL_PATH="$<TARGET_FILE:ekcctl>")
add_dependencies(ekcctl_supervision_tests ekcctl ekcd)
gtest_discover_tests(ekcctl_supervision_tests DISCOVERY_TIMEOUT 60
                     PROPERTIES LABELS "integration" TIMEOUT 120)
