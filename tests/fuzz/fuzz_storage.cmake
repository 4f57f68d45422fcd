# The event log's decoders: stored keys and values, stored snapshots (with the core's loader), and
# export files.
ekc_add_fuzzer(record_decoder_fuzzer SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/record_decoder_fuzzer.cc
               LIBS ekc_storage)
ekc_add_fuzzer(snapshot_loader_fuzzer SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/snapshot_loader_fuzzer.cc
               LIBS ekc_storage ekc_router)
ekc_add_fuzzer(export_reader_fuzzer SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/export_reader_fuzzer.cc
               LIBS ekc_storage)
