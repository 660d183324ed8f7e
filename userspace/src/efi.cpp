#include "lcrt/efi.hpp"

#include <linux/lcrt.h>
#include <linux/magic.h>
#include <sys/vfs.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <system_error>

#include "lcrt/errors.hpp"
#include "lcrt/io.hpp"

namespace lcrt {

namespace {

using Guid = std::array<std::uint8_t, 16>;

// A GUID's text (as guid_parse() reads it) as it lies in memory: its
// first three fields little-endian.
Guid parse(const char* text) {
  static constexpr std::array<int, 16> kAt{3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  Guid g{};
  std::size_t k = 0;
  for (const char* p = text; *p != 0 && k < 2 * g.size(); p++) {
    if (*p == '-') continue;
    const int v = *p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10;
    auto& b = g[static_cast<std::size_t>(kAt[k / 2])];
    b = static_cast<std::uint8_t>(k % 2 == 0 ? v << 4 : b | v);
    k++;
  }
  return g;
}

// EFI_GUID(a, b, c, d0..d7) as it lies in memory: a, b, c little-endian.
constexpr Guid guid(std::uint32_t a, std::uint16_t b, std::uint16_t c, std::uint8_t d0,
                    std::uint8_t d1, std::uint8_t d2, std::uint8_t d3, std::uint8_t d4,
                    std::uint8_t d5, std::uint8_t d6, std::uint8_t d7) {
  return {static_cast<std::uint8_t>(a),
          static_cast<std::uint8_t>(a >> 8),
          static_cast<std::uint8_t>(a >> 16),
          static_cast<std::uint8_t>(a >> 24),
          static_cast<std::uint8_t>(b),
          static_cast<std::uint8_t>(b >> 8),
          static_cast<std::uint8_t>(c),
          static_cast<std::uint8_t>(c >> 8),
          d0,
          d1,
          d2,
          d3,
          d4,
          d5,
          d6,
          d7};
}

const Guid kLcrt = parse(LCRT_EFI_GUID);
// edk2 MdeModulePkg/Include/Guid/VariableFormat.h and AuthenticatedVariableFormat.h.
constexpr Guid kAuthStore =
    guid(0xaaf32c78, 0x947b, 0x439a, 0xa1, 0x80, 0x2e, 0x14, 0x4e, 0xc3, 0x77, 0x92);
constexpr Guid kPlainStore =
    guid(0xddcf3616, 0x3275, 0x4164, 0x98, 0xb6, 0xfe, 0x85, 0x70, 0x7f, 0xfe, 0x7d);

constexpr std::size_t kFvSignature = 0x28;  // "_FVH"
constexpr std::size_t kFvHeaderLength = 0x30;
constexpr std::size_t kStoreHeader = 28;  // VARIABLE_STORE_HEADER
constexpr std::uint8_t kFormatted = 0x5a;
constexpr std::uint8_t kHealthy = 0xfe;
constexpr std::uint16_t kStartId = 0x55aa;
constexpr std::uint8_t kAdded = 0x3f;
constexpr std::uint8_t kInDeletion = 0x3e;  // VAR_ADDED & VAR_IN_DELETED_TRANSITION

// Where the fields of a variable header are, by the store's format.
struct Layout {
  std::size_t header;
  std::size_t name_size;
  std::size_t data_size;
  std::size_t guid;
};
constexpr Layout kAuth{60, 0x24, 0x28, 0x2c};
constexpr Layout kPlain{32, 0x08, 0x0c, 0x10};

std::uint64_t get(const Bytes& b, std::size_t at, std::size_t n) { return le(b.data() + at, n); }

struct Variable {
  std::uint8_t state = 0;
  std::size_t data = 0;
  std::size_t size = 0;
};

// The name of the variable at name (UCS-2, size bytes) when it is ASCII.
std::string ascii(const Bytes& b, std::size_t name, std::size_t size) {
  std::string s;
  for (std::size_t i = 0; i + 1 < size; i += 2) {
    const auto c = static_cast<std::uint16_t>(get(b, name + i, 2));
    if (c == 0) break;
    if (c > 0x7e) return {};
    s += static_cast<char>(c);
  }
  return s;
}

// Which of LCRT's variables name is: the slot, kHeaderVar, or -1.
constexpr int kHeaderVar = -2;
int which(const std::string& name) {
  if (name == LCRT_EFI_REGION_VAR) return kHeaderVar;
  const std::string prefix = LCRT_EFI_SLOT_VAR;
  if (name.size() != prefix.size() + 1 || name.compare(0, prefix.size(), prefix) != 0) return -1;
  const char d = name.back();
  if (d < '0' || d >= '0' + LCRT_EFI_SLOTS_MAX) return -1;
  return d - '0';
}

// The geometry of the header copy a region takes: valid (magic, size, CRC),
// the higher generation.
std::pair<std::uint32_t, std::uint32_t> geometry(const Bytes& header) {
  std::uint64_t best = 0;
  std::pair<std::uint32_t, std::uint32_t> g{0, 0};
  for (std::size_t at = 0; at + sizeof(lcrt_region_header) <= header.size();
       at += LCRT_REGION_HDR_SIZE) {
    const auto hsize = get(header, at + offsetof(lcrt_region_header, header_size), 2);
    if (get(header, at + offsetof(lcrt_region_header, magic), 4) != LCRT_REGION_MAGIC ||
        hsize < sizeof(lcrt_region_header) || hsize > LCRT_REGION_HDR_SIZE ||
        record_crc(header.data() + at, hsize) !=
            get(header, at + offsetof(lcrt_region_header, crc32), 4))
      continue;
    const auto gen = get(header, at + offsetof(lcrt_region_header, generation), 8);
    const auto ss =
        static_cast<std::uint32_t>(get(header, at + offsetof(lcrt_region_header, slot_size), 4));
    const auto n =
        static_cast<std::uint32_t>(get(header, at + offsetof(lcrt_region_header, nslots), 4));
    if (gen + 1 > best && ss >= LCRT_MIN_RECORD_SIZE && ss <= LCRT_MAX_RECORD_SIZE && ss % 8 == 0 &&
        n != 0 && n <= LCRT_EFI_SLOTS_MAX) {
      best = gen + 1;
      g = {ss, n};
    }
  }
  return g;
}

// LCRT's variables in effect in the store's variables [at, end), by slot
// (kHeaderVar: the header); out counts the older copies.
std::map<int, Variable> walk(const Bytes& data, std::size_t at, std::size_t end, const Layout& lay,
                             EfiStore& out) {
  std::map<int, Variable> found;
  std::map<int, bool> added;  // which have a copy in VAR_ADDED
  while (at + lay.header <= end && get(data, at, 2) == kStartId) {
    const auto state = data[at + 2];
    const auto name_size = get(data, at + lay.name_size, 4);
    const auto data_size = get(data, at + lay.data_size, 4);
    if (name_size > end - at - lay.header || data_size > end - at - lay.header - name_size)
      break;  // a header whose sizes were never written: the end of what was
    const std::size_t name = at + lay.header;
    const std::size_t body = name + static_cast<std::size_t>(name_size);
    Guid g{};
    std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(at + lay.guid), g.size(), g.begin());
    const int v = g == kLcrt ? which(ascii(data, name, static_cast<std::size_t>(name_size))) : -1;
    at = (body + static_cast<std::size_t>(data_size) + 3) & ~std::size_t{3};
    if (v == -1) continue;
    // A copy in deletion is in effect only while no copy was added.
    if (state != kAdded && (state != kInDeletion || added[v] || found.count(v) != 0)) {
      out.replaced++;
      continue;
    }
    if (found.count(v) != 0) out.replaced++;
    found[v] = {state, body, static_cast<std::size_t>(data_size)};
    if (state == kAdded) added[v] = true;
  }
  return found;
}

// The region image of the variables found: the header, then each slot.
Bytes region_image(const Bytes& data, const std::map<int, Variable>& found, EfiStore& out) {
  Bytes header(LCRT_REGION_SLOTS, 0);
  if (auto h = found.find(kHeaderVar); h != found.end()) {
    out.variables++;
    std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(h->second.data),
                std::min<std::size_t>(h->second.size, LCRT_REGION_SLOTS), header.begin());
  }
  auto [slot_size, nslots] = geometry(header);
  if (slot_size == 0) {  // no header: slots as large as the largest variable
    std::size_t largest = LCRT_MIN_RECORD_SIZE;
    nslots = 0;
    for (const auto& [v, var] : found) {
      if (v < 0) continue;
      largest = std::max(largest, (var.size + 7) & ~std::size_t{7});
      nslots = std::max<std::uint32_t>(nslots, static_cast<std::uint32_t>(v) + 1);
    }
    slot_size = static_cast<std::uint32_t>(std::min<std::size_t>(largest, LCRT_MAX_RECORD_SIZE));
  }
  Bytes image = header;
  image.resize(LCRT_REGION_SLOTS + std::size_t{nslots} * slot_size, 0);
  for (const auto& [v, var] : found) {
    if (v < 0 || static_cast<std::uint32_t>(v) >= nslots) continue;  // not a slot of the region
    out.variables++;
    const std::size_t to = LCRT_REGION_SLOTS + static_cast<std::size_t>(v) * slot_size;
    std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(var.data),
                std::min<std::size_t>(var.size, slot_size),
                image.begin() + static_cast<std::ptrdiff_t>(to));
  }
  return image;
}

}  // namespace

std::optional<EfiStore> efi_store(const Bytes& data) {
  if (data.size() < kFvHeaderLength + 2 || get(data, kFvSignature, 4) != 0x4856465f)  // "_FVH"
    return std::nullopt;
  const auto store = static_cast<std::size_t>(get(data, kFvHeaderLength, 2));
  if (store + kStoreHeader > data.size()) return std::nullopt;
  Guid sig{};
  std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(store), sig.size(), sig.begin());
  if (sig != kAuthStore && sig != kPlainStore) return std::nullopt;
  const Layout lay = sig == kAuthStore ? kAuth : kPlain;
  const auto size = get(data, store + 16, 4);
  if (data[store + 20] != kFormatted || data[store + 21] != kHealthy)
    throw DataError("the UEFI variable store is not formatted and healthy (format " +
                    std::to_string(data[store + 20]) + ", state " +
                    std::to_string(data[store + 21]) + "; edk2 writes 90 and 254)");
  if (size < kStoreHeader || size > data.size() - store)
    throw DataError("the UEFI variable store says " + std::to_string(size) +
                    " bytes, past the end of the file (" + std::to_string(data.size()) + ")");
  EfiStore out;
  const std::size_t first = (store + kStoreHeader + 3) & ~std::size_t{3};
  const auto found = walk(data, first, store + static_cast<std::size_t>(size), lay, out);
  if (!found.empty()) out.image = region_image(data, found, out);
  return out;
}

std::optional<EfiStore> efivarfs(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return std::nullopt;
  // "Name-GUID" (efivarfs compares the GUID's hex digits in any case).
  const std::string suffix = std::string("-") + LCRT_EFI_GUID;
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c; };
  EfiStore out;
  Bytes data;  // every variable's data, one after another
  std::map<int, Variable> found;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& path = it->path();
    const std::string file = path.filename().string();
    if (file.size() <= suffix.size() ||
        !std::equal(suffix.begin(), suffix.end(),
                    file.end() - static_cast<std::ptrdiff_t>(suffix.size()),
                    [&](char a, char b) { return lower(a) == lower(b); }))
      continue;
    const int v = which(file.substr(0, file.size() - suffix.size()));
    if (v == -1) continue;
    const Bytes var = read_image(path.string());
    // No attributes (a variable being created, one deleted since the
    // mount) or not the ones LCRT writes: the kernel would not take it.
    if (var.size() < 4 || le(var.data(), 4) != LCRT_EFI_ATTRIBUTES) {
      out.replaced++;
      continue;
    }
    found[v] = {kAdded, data.size(), var.size() - 4};
    data.insert(data.end(), var.begin() + 4, var.end());
  }
  if (ec) throw IoError(dir, ec.value());
  struct statfs fs_info {};
  if (found.empty() && out.replaced == 0 &&
      (::statfs(dir.c_str(), &fs_info) != 0 ||
       static_cast<std::uint32_t>(fs_info.f_type) != EFIVARFS_MAGIC))
    return std::nullopt;  // a directory of something else
  if (!found.empty()) out.image = region_image(data, found, out);
  return out;
}

}  // namespace lcrt
