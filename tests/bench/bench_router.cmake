# The routing core: decide + apply in a busy centre, and memory per waiting contact.
add_executable(bench_router ${CMAKE_CURRENT_SOURCE_DIR}/bench_router.cc)
target_link_libraries(bench_router PRIVATE ekc_router benchmark::benchmark ekc_warnings)
