# The event log: group commit (latency, records per group), replay rate, restart time with a snapshot.
add_executable(bench_storage ${CMAKE_CURRENT_SOURCE_DIR}/bench_storage.cc)
target_link_libraries(bench_storage PRIVATE ekc_storage ekc_router benchmark::benchmark ekc_warnings)
