# noop_server: ekc-load's baseline, a gRPC server like ekcd whose SubmitContact does nothing durable.
add_executable(noop_server ${CMAKE_CURRENT_SOURCE_DIR}/noop_server.cc)
target_link_libraries(noop_server PRIVATE ekc_proto_grpc ekc_warnings)
target_include_directories(noop_server PRIVATE ${PROJECT_SOURCE_DIR})
