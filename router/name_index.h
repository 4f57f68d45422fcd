#pragma once

// NameIndex: a hash index by name in front of a std::map whose entries are never erased, so that a
// lookup on the hot path (an operator by id, on almost every event) hashes once instead of
// comparing strings down the tree. The map stays the owner and keeps its order (snapshots are
// written in it).
//
// The index holds pointers into the map's nodes, which a move of the map keeps valid but a copy
// does not: a copied index starts empty and is filled again as entries are looked up for change.
// Lookups that miss fall back to the map, so an incomplete index is slower, never wrong.

#include <string_view>

#include "absl/container/flat_hash_map.h"

namespace ekc::router {

template <typename Value>
class NameIndex {
 public:
  NameIndex() = default;
  NameIndex(const NameIndex&) {}
  NameIndex& operator=(const NameIndex& other) {
    if (this != &other) index_.clear();
    return *this;
  }
  NameIndex(NameIndex&&) noexcept = default;
  NameIndex& operator=(NameIndex&&) noexcept = default;
  ~NameIndex() = default;

  // The entry, or nullptr when it is not indexed (it may still be in the map).
  Value* Find(std::string_view name) const {
    auto it = index_.find(name);
    return it == index_.end() ? nullptr : it->second;
  }
  // `name` must live as long as the entry: the key in the map's node.
  void Add(std::string_view name, Value* value) { index_.insert_or_assign(name, value); }

 private:
  absl::flat_hash_map<std::string_view, Value*> index_;
};

}  // namespace ekc::router
