# daemon/http/: the HTTP listener (Boost.Beast) and the dashboard's routes; daemon/web/: the page,
# embedded into ekcd as byte arrays so that the installed daemon needs no files beside it.
file(GLOB EKC_WEB_FILES CONFIGURE_DEPENDS
  ${CMAKE_CURRENT_SOURCE_DIR}/web/*.html ${CMAKE_CURRENT_SOURCE_DIR}/web/*.css
  ${CMAKE_CURRENT_SOURCE_DIR}/web/*.js ${CMAKE_CURRENT_SOURCE_DIR}/web/*.svg)
set(EKC_WEB_ASSETS_CC ${CMAKE_CURRENT_BINARY_DIR}/web_assets.cc)
add_custom_command(
  OUTPUT ${EKC_WEB_ASSETS_CC}
  COMMAND ${CMAKE_COMMAND} "-DFILES=${EKC_WEB_FILES}" -DOUTPUT=${EKC_WEB_ASSETS_CC}
          -P ${CMAKE_CURRENT_SOURCE_DIR}/web/embed_web_assets.cmake
  DEPENDS ${EKC_WEB_FILES} ${CMAKE_CURRENT_SOURCE_DIR}/web/embed_web_assets.cmake
  COMMENT "Embedding the dashboard page (daemon/web/)"
  VERBATIM)
target_sources(ekc_daemon PRIVATE
  ${CMAKE_CURRENT_SOURCE_DIR}/http/http_server.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/http/http_auth.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/http/dashboard_routes.cc
  ${EKC_WEB_ASSETS_CC})
target_link_libraries(ekc_daemon PRIVATE nlohmann_json::nlohmann_json)
