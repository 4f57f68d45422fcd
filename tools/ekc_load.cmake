# ekc-load: simulated citizens and softphones driving a running ekcd over gRPC (tools/ekc_load/,
# docs/load.md). The library holds everything but main, for the tests.
add_library(ekc_load_lib STATIC
  ekc_load/histogram.cc
  ekc_load/schedule.cc
  ekc_load/options.cc
  ekc_load/scheduler.cc
  ekc_load/run_state.cc
  ekc_load/corpus.cc
  ekc_load/citizens.cc
  ekc_load/operators.cc
  ekc_load/agreement.cc
  ekc_load/phase.cc)
target_include_directories(ekc_load_lib PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(ekc_load_lib
  PUBLIC ekc_proto_grpc absl::status absl::statusor fmt::fmt nlohmann_json::nlohmann_json
         Threads::Threads
  PRIVATE ekc_warnings)
target_compile_definitions(ekc_load_lib
  PRIVATE EKC_LOAD_CORPUS_SOURCE="${CMAKE_CURRENT_SOURCE_DIR}/ekc_load/corpus.txt")

add_executable(ekc-load ekc_load/main.cc)
target_link_libraries(ekc-load PRIVATE ekc_load_lib CLI11::CLI11 ekc_warnings)
install(TARGETS ekc-load RUNTIME DESTINATION bin)
install(FILES ekc_load/corpus.txt DESTINATION share/ekc RENAME ekc-load-corpus.txt)
