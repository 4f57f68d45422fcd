# ekcutl log (dump, verify, replay, snapshots, export, prune) on folders written by the real ekcd;
# Admin.TakeSnapshot and Admin.Backup over loopback.
add_executable(ekcutl_log_tests ${CMAKE_CURRENT_SOURCE_DIR}/ekcutl_log_test.cc
                                ${PROJECT_SOURCE_DIR}/tests/storage/event_log_test_util.cc)
target_link_libraries(ekcutl_log_tests PRIVATE ekc_test_process ekc_storage ekc_proto_grpc RocksDB::rocksdb
                                               nlohmann_json::nlohmann_json ekc_warnings GTest::gtest
                                               GTest::gtest_main)
target_compile_definitions(ekcutl_log_tests PRIVATE EKCUTL_PATH="$<TARGET_FILE:ekcutl>")
add_dependencies(ekcutl_log_tests ekcutl ekcd)
gtest_discover_tests(ekcutl_log_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "integration" TIMEOUT 180)
