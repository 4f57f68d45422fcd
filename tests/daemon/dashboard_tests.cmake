# The supervisor dashboard through the real ekcd: Supervision.WatchDashboard and ListContacts over
# gRPC, the HTTP listener (page, JSON API, event stream, actions, bounds).
add_executable(dashboard_integration_tests
  ${CMAKE_CURRENT_SOURCE_DIR}/dashboard_rpc_test.cc ${CMAKE_CURRENT_SOURCE_DIR}/http_test.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/http_client.cc ${CMAKE_CURRENT_SOURCE_DIR}/desk_client.cc)
target_link_libraries(dashboard_integration_tests PRIVATE ekc_proto_grpc ekc_client ekc_test_process
  nlohmann_json::nlohmann_json ekc_warnings GTest::gtest GTest::gtest_main)
target_compile_definitions(dashboard_integration_tests PRIVATE EKCUTL_PATH="$<TARGET_FILE:ekcutl>")
add_dependencies(dashboard_integration_tests ekcd ekcutl)
gtest_discover_tests(dashboard_integration_tests DISCOVERY_TIMEOUT 60
                     PROPERTIES LABELS "integration;dashboard" TIMEOUT 180)

# BuildDashboard as a pure function of a routing state (no daemon).
add_executable(dashboard_tests ${CMAKE_CURRENT_SOURCE_DIR}/dashboard_test.cc)
target_link_libraries(dashboard_tests PRIVATE ekc_daemon ekc_testing ekc_warnings GTest::gtest
                                              GTest::gtest_main)
gtest_discover_tests(dashboard_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "daemon;dashboard")
