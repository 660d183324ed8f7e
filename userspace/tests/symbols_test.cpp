#include "lcrt/symbols.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace lcrt {
namespace {

SymbolMap map_of(const std::string& text) {
  std::istringstream in(text);
  return SymbolMap::parse(in, "test.map");
}

TEST(SymbolMap, FindsFunctionOffsetAndSize) {
  const auto m = map_of(
      "c0008000 T _text\n"
      "c0100000 T first\n"
      "c0100040 t second\n"
      "c0100040 t second_alias\n"
      "c0100100 D some_data\n"
      "c0100200 T third\n"
      "c0100300 T _etext\n");
  auto s = m.lookup(0xc0100010);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "first");
  EXPECT_EQ(s->offset, 0x10U);
  EXPECT_EQ(s->size, 0x40U);
  s = m.lookup(0xc0100044);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "second");
  EXPECT_EQ(s->offset, 4U);
  EXPECT_EQ(s->size, 0x1c0U);  // data symbols do not end functions
  EXPECT_FALSE(m.lookup(0xc0000000));
  EXPECT_FALSE(m.lookup(0xc0100300));  // past _etext
}

TEST(SymbolMap, BadLineIsNamed) {
  try {
    map_of("c0100000 T ok\nthis is not a map\n");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("test.map:2"), std::string::npos);
  }
}

TEST(SymbolMap, MapWithoutTextIsRejected) {
  EXPECT_THROW(map_of("c0100000 D data\n"), std::runtime_error);
}

}  // namespace
}  // namespace lcrt
