// Presenting a decoded record: text for people, JSON for tools.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "lcrt/dwarf.hpp"
#include "lcrt/record.hpp"
#include "lcrt/symbols.hpp"

namespace lcrt {

struct RenderOptions {
  const SymbolMap* symbols = nullptr;  // names frames the record left unnamed
  Symbolizer* source = nullptr;        // source lines of named frames (--vmlinux)
  // Text: each frame's stack words; false gives one summary line of the
  // windows instead ("stack windows: N frames, M words (-v shows them)").
  bool stack_words = true;
  // Text: the "debug:" line after the kernel's build-id, where the kernel's
  // debug file came from, or why there is none ("" leaves it out). Each
  // module's follows its own with opt.source (Symbolizer::module_debug()).
  std::string kernel_debug;
};

// The kernel's taint letters for the bits set in mask ("" when untainted),
// in bit order; a bit no kernel this tool knows names is "+bit<N>".
std::string taint_letters(std::uint64_t mask);

// The version of to_json()'s layout; raised when a field changes meaning.
inline constexpr int kJsonSchema = 1;

// Bytes from the record made safe to show: valid UTF-8 is kept, any other
// byte (and, with escape_controls, a control character or backslash) becomes
// "\\xNN", so a task name can neither break JSON nor drive a terminal.
std::string printable(const std::string& s, bool escape_controls = true);

// Rows of printable text as columns two spaces apart, each as wide as its
// widest cell in display columns (UTF-8: a character per lead byte); the
// last column is not padded. The first row is the header.
std::string aligned_table(const std::vector<std::vector<std::string>>& rows);

// One record as text: the title, the event, its culprit ("culprit:
// func+0x10/0x40 [module] (rule)", file:line with opt.source), the task, a
// hung task's blocked one ("blocked: ..."), ... the uptime, the crash's
// wall-clock time and boot ("time:    2026-11-26T10:14:58.123456789Z",
// "boot:    6f0b2c3e-...", when the record has LCRT_SEC_BOOT), ... the
// signature, the builds, where the code was loaded ("load:    kernel KASLR
// offset 0x2a00000", "load:    mydrv text at 0xbf000000", with
// LCRT_SEC_LOAD), the chain (a folded recursion's frame ending in " (xN)"),
// then the other CPUs at a panic ("cpu 1:   stopped" and their frames, as
// the chain's). A frame without a name is named from opt.symbols at its pc
// less the record's KASLR offset (link_address()).
std::string render_text(const Record& rec, const RenderOptions& opt = {});
// One record as JSON, fields in a fixed order (registers in the kernel's);
// "title", "culprit" and "blocked" (null when the record has none) and
// "cpus" (a list of "cpu", "state", "user" and "frames", each frame with the
// keys of "frames"; empty when none) always; each frame has "repeat", the
// frames it stands for (1 unless it folds a recursion). With LCRT_SEC_BOOT,
// "crash_time" (utc_time()), "crash_time_ns" and "boot_id"
// (boot_id_string()), each null when unknown; with LCRT_SEC_LOAD,
// "kaslr_offset" ("0x2a00000") and each module's "load_address" (or null).
nlohmann::ordered_json to_json(const Record& rec, const RenderOptions& opt = {});

// A record found in an image, as shown: its follow-up joined ("reason:
// <followup> (after <first>)"), or a note when what followed it is torn or
// corrupt. f must hold a record.
std::string render_text(const Found& f, const RenderOptions& opt = {});
// One entry of a scan as `lcrt show --json` prints it: the record's object
// with "reason" joined, "first_reason" and "followup" (the follow-up's own
// object, without "title": the crash's is the first's) when one followed
// it, "followup_error" when what followed it is torn or corrupt, then
// "offset", "slot" and "region" (those two when the image has a region
// header); or {"offset", "slot", "error"} for a corrupt one.
nlohmann::ordered_json to_json(const Found& f, const std::optional<Region>& region,
                               const RenderOptions& opt = {});

// "region: 3 slots of 1024 bytes, policy keep, boot 5, 2 records
// dropped, next seq 9", no newline.
std::string region_line(const Region& r);
// The region header's fields.
nlohmann::ordered_json to_json(const Region& r);
const char* policy_name(std::uint8_t policy);

}  // namespace lcrt
