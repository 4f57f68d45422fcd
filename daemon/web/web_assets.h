#pragma once

// The dashboard page's files (daemon/web/*.html, *.css, *.js, *.svg), built into ekcd by CMake
// (daemon/web/embed_web_assets.cmake) so that the installed daemon needs nothing beside it.

#include <span>
#include <string_view>

namespace ekc::daemon::web {

struct WebAsset {
  std::string_view path;          // "/index.html"
  std::string_view content_type;  // "text/html; charset=utf-8"
  std::string_view content;
};

// Every embedded file.
std::span<const WebAsset> WebAssets();

}  // namespace ekc::daemon::web
