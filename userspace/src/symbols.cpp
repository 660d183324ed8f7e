#include "lcrt/symbols.hpp"

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "lcrt/errors.hpp"
#include "lcrt/io.hpp"

namespace lcrt {

SymbolMap SymbolMap::parse(std::istream& in, const std::string& origin) {
  SymbolMap m;
  std::string line;
  for (std::size_t n = 1; std::getline(in, line); n++) {
    if (line.empty()) continue;
    std::istringstream ls(line);
    std::string addr;
    std::string type;
    std::string name;
    if (!(ls >> addr >> type >> name) || type.size() != 1 ||
        addr.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos || addr.size() > 16)
      throw DataError(origin + ":" + std::to_string(n) +
                      ": not a System.map line (ADDR TYPE NAME)");
    const std::uint64_t a = std::stoull(addr, nullptr, 16);
    if (name == "_etext") m.end_ = a;
    const char t = type[0];
    if (t == 't' || t == 'T' || t == 'w' || t == 'W') m.syms_.push_back({a, name});
  }
  if (in.bad()) throw IoError(origin + ": cannot be read");
  if (m.syms_.empty()) throw DataError(origin + ": no text symbols");
  std::stable_sort(m.syms_.begin(), m.syms_.end(),
                   [](const Entry& a, const Entry& b) { return a.addr < b.addr; });
  return m;
}

SymbolMap SymbolMap::load(const std::string& path) {
  errno = 0;
  std::ifstream in(path);
  if (!in) throw IoError(path, errno != 0 ? errno : EIO);
  return parse(in, path);
}

std::optional<Symbol> SymbolMap::lookup(std::uint64_t addr) const {
  auto it = std::upper_bound(syms_.begin(), syms_.end(), addr,
                             [](std::uint64_t a, const Entry& e) { return a < e.addr; });
  if (it == syms_.begin()) return std::nullopt;
  const auto next = it;
  --it;
  // Aliases share an address: report the first name, size to the next address.
  auto first = it;
  while (first != syms_.begin() && std::prev(first)->addr == it->addr) --first;
  auto after = next;
  while (after != syms_.end() && after->addr == it->addr) ++after;
  std::uint64_t end = after != syms_.end() ? after->addr : end_;
  if (end != 0 && addr >= end) return std::nullopt;
  return Symbol{first->name, addr - it->addr, end > it->addr ? end - it->addr : 0};
}

}  // namespace lcrt
