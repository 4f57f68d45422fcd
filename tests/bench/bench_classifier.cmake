# Classification speed: messages per second with the default rules, and the time to compile them.
#   build-rules/tests/bench/bench_classifier --benchmark_min_time=2
add_executable(bench_classifier ${CMAKE_CURRENT_SOURCE_DIR}/bench_classifier.cc)
target_link_libraries(bench_classifier PRIVATE ekc_router ekc_testing ekc_warnings benchmark::benchmark)
