// Symbolizing addresses with a System.map.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace lcrt {

struct Symbol {
  std::string name;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;  // up to the next symbol
};

class SymbolMap {
 public:
  // Parse "ADDR TYPE NAME" lines; text symbols (t, T, w, W) only.
  // Throws DataError (lcrt/errors.hpp) naming the first bad line, or when
  // there is no text symbol; IoError when in cannot be read.
  static SymbolMap parse(std::istream& in, const std::string& origin);
  // The same from the file at path; IoError when it cannot be opened.
  static SymbolMap load(const std::string& path);

  std::optional<Symbol> lookup(std::uint64_t addr) const;
  std::size_t size() const { return syms_.size(); }

 private:
  struct Entry {
    std::uint64_t addr;
    std::string name;
  };
  std::vector<Entry> syms_;
  std::uint64_t end_ = 0;  // _etext, when the map has it
};

}  // namespace lcrt
