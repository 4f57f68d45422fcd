# ekcutl simulate against the Erlang C / A oracle (../shared/oracle/erlang.py).
add_executable(ekcutl_simulate_tests ${CMAKE_CURRENT_SOURCE_DIR}/ekcutl_simulate_test.cc)
target_link_libraries(ekcutl_simulate_tests PRIVATE ekc_test_process nlohmann_json::nlohmann_json ekc_warnings
                                                    GTest::gtest GTest::gtest_main)
# 200,000 simulated contacts take seconds in a release build and minutes under the sanitizers.
if(EKC_SANITIZE)
  set(EKC_SIMULATE_TIMEOUT_S 1200)
else()
  set(EKC_SIMULATE_TIMEOUT_S 240)
endif()
math(EXPR EKC_SIMULATE_CTEST_TIMEOUT_S "${EKC_SIMULATE_TIMEOUT_S} + 60")
target_compile_definitions(ekcutl_simulate_tests PRIVATE EKCUTL_PATH="$<TARGET_FILE:ekcutl>"
                                                         EKC_SIMULATE_TIMEOUT_S=${EKC_SIMULATE_TIMEOUT_S})
add_dependencies(ekcutl_simulate_tests ekcutl)
gtest_discover_tests(ekcutl_simulate_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "router" TIMEOUT ${EKC_SIMULATE_CTEST_TIMEOUT_S})
# ekcutl simulate --from-log (the what-if) on folders the real ekcd wrote over loopback.
add_executable(ekcutl_what_if_tests ${CMAKE_CURRENT_SOURCE_DIR}/ekcutl_what_if_test.cc
                                    ${PROJECT_SOURCE_DIR}/tests/daemon/desk_client.cc)
target_link_libraries(ekcutl_what_if_tests PRIVATE ekc_test_process ekc_proto_grpc nlohmann_json::nlohmann_json
                                                   ekc_warnings GTest::gtest GTest::gtest_main)
target_compile_definitions(ekcutl_what_if_tests PRIVATE EKCUTL_PATH="$<TARGET_FILE:ekcutl>")
add_dependencies(ekcutl_what_if_tests ekcutl ekcd)
gtest_discover_tests(ekcutl_what_if_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "integration" TIMEOUT 180)
# The what-if engine on hand-made recordings (pure: no daemon, no disk).
add_executable(log_simulation_tests ${CMAKE_CURRENT_SOURCE_DIR}/log_simulation_test.cc
                                    ${PROJECT_SOURCE_DIR}/tools/ekcutl/log_simulation.cc
                                    ${PROJECT_SOURCE_DIR}/tools/ekcutl/log_recording.cc
                                    ${PROJECT_SOURCE_DIR}/tools/ekcutl/staffing_file.cc)
target_link_libraries(log_simulation_tests PRIVATE ekc_router ekc_testing yaml-cpp ekc_warnings GTest::gtest
                                                   GTest::gtest_main)
gtest_discover_tests(log_simulation_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "tools" TIMEOUT 60)
