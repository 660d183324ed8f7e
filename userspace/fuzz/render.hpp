// What both fuzz targets do with a decoded record: render it as the tool
// would, and check what the renderers promise.
#pragma once

#include <optional>

#include "lcrt/record.hpp"

namespace lcrt::fuzz {

// Text and JSON, with a small System.map for the frames without names.
// Aborts when the text is not valid UTF-8 or holds a control character other
// than a newline, or when the JSON does not read back as itself; an exception
// (nlohmann's dump() throws on invalid UTF-8) escapes to libFuzzer.
void render(const Record& rec);
// The same for an entry of a scan: render_text() and to_json() of a Found
// (its follow-up joined), and the region line.
void render(const Found& f, const std::optional<Region>& region);

// Write the CRC the record at b[off] must carry, when b holds one there
// (magic, sizes in bounds, all of it within b). Whether it changed b.
bool reseal(Bytes& b, std::size_t off);
// Write the CRC the region header copy at b[off] must carry, when b holds a
// copy with the region magic and a header size in bounds there.
bool reseal_region(Bytes& b, std::size_t off);

}  // namespace lcrt::fuzz
