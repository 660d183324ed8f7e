// Files of a UEFI variable store as edk2 (OVMF) writes them, built here
// from edk2's VariableFormat.h layout and the uapi header's names.
#include "lcrt/efi.hpp"

#include <gtest/gtest.h>
#include <linux/lcrt.h>

#include <cctype>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "encoder.hpp"
#include "lcrt/errors.hpp"
#include "lcrt/record.hpp"

namespace lcrt {
namespace {

constexpr std::size_t kStore = 0x48;  // after the firmware volume header
constexpr std::size_t kSize = 0x4000;

// The authenticated-variable store's GUID, and LCRT's, as they lie in memory.
const Bytes kAuthGuid{0x78, 0x2c, 0xf3, 0xaa, 0x7b, 0x94, 0x9a, 0x43,
                      0xa1, 0x80, 0x2e, 0x14, 0x4e, 0xc3, 0x77, 0x92};
const Bytes kLcrtGuid{0x6b, 0x69, 0xd0, 0x6a, 0xde, 0xb2, 0x08, 0x43,
                      0x8e, 0xed, 0x90, 0x20, 0xfb, 0x75, 0x3c, 0x4f};

void put(Bytes& b, std::size_t at, std::uint64_t v, int n) {
  for (int i = 0; i < n; i++) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// An erased store: the firmware volume header, a healthy store header.
struct Store {
  Bytes b = Bytes(kStore + kSize, 0xff);
  std::size_t next = kStore + 28;

  Store() {
    std::fill(b.begin(), b.begin() + kStore, 0);
    std::copy_n("_FVH", 4, b.begin() + 0x28);
    put(b, 0x30, kStore, 2);
    std::copy(kAuthGuid.begin(), kAuthGuid.end(), b.begin() + kStore);
    put(b, kStore + 16, kSize, 4);
    b[kStore + 20] = 0x5a;
    b[kStore + 21] = 0xfe;
    put(b, kStore + 22, 0, 6);
    next = (next + 3) & ~std::size_t{3};
  }

  // A variable as edk2 appends it (60-byte authenticated header).
  Store& add(const std::string& name, const Bytes& data, std::uint8_t state = 0x3f,
             const Bytes& guid = kLcrtGuid) {
    const std::size_t at = next;
    const std::size_t name_size = 2 * (name.size() + 1);
    std::fill_n(b.begin() + static_cast<std::ptrdiff_t>(at), 60, 0);
    put(b, at, 0x55aa, 2);
    b[at + 2] = state;
    put(b, at + 4, LCRT_EFI_ATTRIBUTES, 4);
    put(b, at + 0x24, name_size, 4);
    put(b, at + 0x28, data.size(), 4);
    std::copy(guid.begin(), guid.end(), b.begin() + static_cast<std::ptrdiff_t>(at + 0x2c));
    for (std::size_t i = 0; i <= name.size(); i++)
      put(b, at + 60 + 2 * i, i < name.size() ? name[i] : 0, 2);
    std::copy(data.begin(), data.end(),
              b.begin() + static_cast<std::ptrdiff_t>(at + 60 + name_size));
    next = (at + 60 + name_size + data.size() + 3) & ~std::size_t{3};
    return *this;
  }
};

Bytes header(std::uint32_t nslots = 4, std::uint64_t next_seq = 9) {
  test::RegionSpec r;
  r.nslots = nslots;
  r.next_seq = next_seq;
  Bytes h = test::region_header(r);
  h.resize(LCRT_REGION_SLOTS, 0);
  return h;
}

using test::record;
using test::slots_and_seqs;
using Slots = std::vector<std::pair<std::size_t, std::uint64_t>>;

// st is the region of header() (4 slots, next_seq 9) with these records,
// from this many of LCRT's variables and no older copy.
void expect_region(const std::optional<EfiStore>& st, std::uint32_t variables, const Slots& want) {
  ASSERT_TRUE(st);
  EXPECT_EQ(st->variables, variables);
  EXPECT_EQ(st->replaced, 0U);
  ASSERT_EQ(st->image.size(), LCRT_REGION_SLOTS + 4 * 1024U);
  const auto region = read_region(st->image);
  ASSERT_TRUE(region);
  EXPECT_EQ(region->nslots, 4U);
  EXPECT_EQ(region->next_seq, 9U);
  EXPECT_EQ(slots_and_seqs(st->image), want);
}

TEST(EfiStore, TheRegionIsTheHeaderVariableThenEverySlotsVariable) {
  Store s;
  s.add("Boot0000", Bytes(40, 7), 0x3f, kAuthGuid);  // another vendor's
  s.add(LCRT_EFI_REGION_VAR, header());
  s.add("LcrtSlot2", record(3));
  s.add("LcrtSlot0", record(1));
  const auto st = efi_store(s.b);
  expect_region(st, 3, {{0, 1}, {2, 3}});
  for (const auto& f : scan(st->image).found) EXPECT_FALSE(f.error) << f.message;
}

TEST(EfiStore, OnlyTheCopyInEffectCounts) {
  // Rewritten: the old copy deleted (0x3c), the new one added.
  Store s;
  s.add(LCRT_EFI_REGION_VAR, header());
  s.add("LcrtSlot0", record(1), 0x3c);
  s.add("LcrtSlot0", record(2));
  // A rewrite that a power cut stopped after the new header (0x7f): the
  // old copy, already in deletion (0x3e), is the one in effect.
  s.add("LcrtSlot1", record(4), 0x3e);
  s.add("LcrtSlot1", record(5), 0x7f);
  // Cut after the new copy was added, before the old one was deleted.
  s.add("LcrtSlot3", record(6), 0x3e);
  s.add("LcrtSlot3", record(7));
  const auto st = efi_store(s.b);
  ASSERT_TRUE(st);
  const std::vector<std::pair<std::size_t, std::uint64_t>> want{{0, 2}, {1, 4}, {3, 7}};
  EXPECT_EQ(slots_and_seqs(st->image), want);
  EXPECT_EQ(st->replaced, 3U);
}

TEST(EfiStore, ADeletedSlotIsEmptyAndAPendingMarkReadsTorn) {
  Store s;
  s.add(LCRT_EFI_REGION_VAR, header());
  s.add("LcrtSlot0", record(1), 0x3c);  // cleared
  Bytes mark = test::pending(record(2));
  mark.resize(sizeof(lcrt_record_header));  // what the kernel writes of a mark
  s.add("LcrtSlot1", mark);
  const auto st = efi_store(s.b);
  ASSERT_TRUE(st);
  const auto found = scan(st->image).found;
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(*found[0].slot, 1U);
  EXPECT_FALSE(found[0].record);
  EXPECT_EQ(found[0].header_seq, 2U);
}

TEST(EfiStore, WithoutTheHeaderVariableSlotsAreAsLargeAsTheLargestVariable) {
  Store s;
  s.add("LcrtSlot1", record(5));
  const auto st = efi_store(s.b);
  ASSERT_TRUE(st);
  ASSERT_FALSE(read_region(st->image));
  const auto found = scan(st->image).found;
  ASSERT_FALSE(found.empty());
  ASSERT_TRUE(found.back().record);
  EXPECT_EQ(found.back().record->seq, 5U);
}

TEST(EfiStore, OtherVendorsVariablesAndOtherNamesAreLeftAlone) {
  Store s;
  s.add("LcrtSlot0", record(1), 0x3f, kAuthGuid);
  s.add("LcrtSlot9", record(2));
  s.add("LcrtSlot", record(3));
  const auto st = efi_store(s.b);
  ASSERT_TRUE(st);
  EXPECT_TRUE(st->image.empty());
  EXPECT_EQ(st->variables, 0U);
}

TEST(EfiStore, AHeaderWhoseSizesWereNeverWrittenEndsTheWalk) {
  Store s;
  s.add(LCRT_EFI_REGION_VAR, header());
  s.add("LcrtSlot0", record(1));
  // A header begun (StartId, state) whose sizes are still erased.
  put(s.b, s.next, 0x55aa, 2);
  s.b[s.next + 2] = 0x7f;
  const auto st = efi_store(s.b);
  ASSERT_TRUE(st);
  const std::vector<std::pair<std::size_t, std::uint64_t>> want{{0, 1}};
  EXPECT_EQ(slots_and_seqs(st->image), want);
}

TEST(EfiStore, NotAStoreOrADamagedOne) {
  EXPECT_FALSE(efi_store(Bytes(100, 0xff)));
  EXPECT_FALSE(efi_store(Bytes{}));
  Store other;
  other.b[kStore] ^= 1;  // a store header of another kind
  EXPECT_FALSE(efi_store(other.b));
  Store sick;
  sick.b[kStore + 21] = 0xff;  // not healthy
  EXPECT_THROW(efi_store(sick.b), DataError);
  Store cut;
  cut.b.resize(kStore + 0x100);  // a truncated file: the store runs past it
  EXPECT_THROW(efi_store(cut.b), DataError);
}

TEST(EfiStore, DecodeReadsTheStoreFile) {
  Store s;
  s.add(LCRT_EFI_REGION_VAR, header());
  s.add("LcrtSlot1", record(4));
  const auto path = test::write_temp("vars.fd", s.b);
  const auto r = test::lcrt_cli("decode --format json " + path);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(test::has(r.out, "\"seq\": 4")) << r.out;
  Store none;
  const auto empty = test::write_temp("empty-vars.fd", none.b);
  const auto e = test::lcrt_cli("decode " + empty);
  EXPECT_NE(e.status, 0);
  EXPECT_TRUE(test::has(e.out, "holds no LCRT variable")) << e.out;
}

// A directory as efivarfs shows variables: "Name-GUID", attributes, data.
struct Efivarfs {
  std::string dir;

  explicit Efivarfs(const std::string& name) : dir(::testing::TempDir() + name) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }

  Efivarfs& add(const std::string& name, const Bytes& data, const std::string& guid = LCRT_EFI_GUID,
                std::uint32_t attributes = LCRT_EFI_ATTRIBUTES) {
    Bytes file(4 + data.size(), 0);
    put(file, 0, attributes, 4);
    std::copy(data.begin(), data.end(), file.begin() + 4);
    return add_raw(name + "-" + guid, file);
  }

  // A file of exactly these bytes.
  Efivarfs& add_raw(const std::string& file, const Bytes& bytes) {
    test::write_temp(dir.substr(::testing::TempDir().size()) + "/" + file, bytes);
    return *this;
  }
};

TEST(Efivarfs, TheVariablesFilesAreTheRegion) {
  Efivarfs d("efivars-region");
  d.add(LCRT_EFI_REGION_VAR, header());
  d.add("LcrtSlot1", record(4));
  d.add("LcrtSlot3", record(6));
  d.add("Boot0000", Bytes(40, 7), "8be4df61-93ca-11d2-aa0d-00e098032b8c");
  d.add("LcrtSlot2", record(5), "8be4df61-93ca-11d2-aa0d-00e098032b8c");  // not LCRT's
  expect_region(efivarfs(d.dir), 3, {{1, 4}, {3, 6}});
}

TEST(Efivarfs, AVariableWithoutLcrtsAttributesIsNotRead) {
  Efivarfs d("efivars-attributes");
  d.add(LCRT_EFI_REGION_VAR, header());
  d.add("LcrtSlot0", record(1));
  d.add_raw("LcrtSlot1-" + std::string(LCRT_EFI_GUID), Bytes{});  // being created
  d.add("LcrtSlot2", record(3), LCRT_EFI_GUID, 0x3);  // not runtime access: not the kernel's
  const auto st = efivarfs(d.dir);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->replaced, 2U);
  const std::vector<std::pair<std::size_t, std::uint64_t>> want{{0, 1}};
  EXPECT_EQ(slots_and_seqs(st->image), want);
}

TEST(Efivarfs, TheGuidIsMatchedInAnyCase) {
  std::string upper = LCRT_EFI_GUID;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  Efivarfs d("efivars-case");
  d.add(LCRT_EFI_REGION_VAR, header(), upper);
  d.add("LcrtSlot0", record(2), upper);
  const std::vector<std::pair<std::size_t, std::uint64_t>> want{{0, 2}};
  EXPECT_EQ(slots_and_seqs(efivarfs(d.dir)->image), want);
}

TEST(Efivarfs, VariablesWithNoRecordSaySo) {
  Efivarfs d("efivars-none");
  d.add_raw("LcrtSlot1-" + std::string(LCRT_EFI_GUID), Bytes{});
  const auto r = test::lcrt_cli("decode " + d.dir);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_TRUE(
      test::has(r.out, "a directory of UEFI variables (efivarfs) that holds no LCRT variable"))
      << r.out;
}

TEST(Efivarfs, ADirectoryOfSomethingElseIsNotVariables) {
  Efivarfs d("efivars-other");
  d.add("Boot0000", Bytes(40, 7), "8be4df61-93ca-11d2-aa0d-00e098032b8c");
  EXPECT_FALSE(efivarfs(d.dir));
  EXPECT_FALSE(efivarfs(test::write_temp("efivars-a-file", Bytes(8, 0))));
  // decode: a directory without LCRT's variables stays an error of its own.
  const auto r = test::lcrt_cli("decode " + d.dir);
  EXPECT_EQ(r.status, 74) << r.out;
  EXPECT_TRUE(test::has(r.out, "is a directory")) << r.out;
}

TEST(Efivarfs, DecodeReadsTheDirectory) {
  Efivarfs d("efivars-decode");
  d.add(LCRT_EFI_REGION_VAR, header());
  d.add("LcrtSlot2", record(7));
  const auto r = test::lcrt_cli("decode --format json " + d.dir);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(test::has(r.out, "\"seq\": 7")) << r.out;
  const auto flash = test::lcrt_cli("decode --offset 0 " + d.dir);
  EXPECT_EQ(flash.status, 64) << flash.out;
  EXPECT_TRUE(test::has(flash.out, "--offset is for a dump of flash")) << flash.out;
}

}  // namespace
}  // namespace lcrt
