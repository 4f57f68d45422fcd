# ekcutl token: bearer tokens for ekcd's token file.
target_sources(ekcutl PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/ekcutl/token_command.cc)
target_link_libraries(ekcutl PRIVATE ekc_tokens)
