// lcrt: read, decode, collect and clear LCRT crash records. Thin over lcrtcore.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "lcrt/collect.hpp"
#include "lcrt/control.hpp"
#include "lcrt/debuginfo.hpp"
#include "lcrt/dwarf.hpp"
#include "lcrt/efi.hpp"
#include "lcrt/errors.hpp"
#include "lcrt/flash.hpp"
#include "lcrt/io.hpp"
#include "lcrt/list.hpp"
#include "lcrt/record.hpp"
#include "lcrt/render.hpp"
#include "lcrt/stats.hpp"
#include "lcrt/symbols.hpp"

namespace {

// Exit codes (lcrt --help, lcrt(1) EXIT STATUS, README), sysexits.h's for
// errors: 64 what the user asked cannot be done as asked, 65 a file the user
// named holds the wrong data, 74 a file cannot be read or written. What a
// record image holds is not an error: 2 and 3 say so.
constexpr int kExitOk = 0;
constexpr int kExitNoRecord = 2;   // the image holds no record at all
constexpr int kExitCorrupt = 3;    // only corrupt or torn records
constexpr int kExitUsage = 64;     // EX_USAGE: bad command line or control word
constexpr int kExitData = 65;      // EX_DATAERR: a System.map or vmlinux that does not fit
constexpr int kExitSoftware = 70;  // EX_SOFTWARE: internal error
constexpr int kExitIo = 74;        // EX_IOERR: a file that cannot be read or written

constexpr const char* kExitHelp =
    "Exit codes: 0 a valid record was shown (or cleared; collect: archived, or "
    "nothing new; list and stats: listed, none too), 2 no record (--slot: that slot is empty), 3 "
    "only corrupt or torn records (--slot: that slot's record is corrupt or torn; collect: the "
    "region holds a corrupt or torn one), 64 bad usage (a bad option or value, a control word "
    "the kernel refuses, a --control not in sysfs, --vmlinux or --modules in a build without "
    "elfutils, stats in a build without libsystemd, an info ID that names no record or "
    "several), 65 a --system-map or --vmlinux that is not one, or a --vmlinux of another build "
    "than the record's without --force, an archived record (info) that does not decode, a "
    "journal file (stats) that is not one, 70 internal error, 74 a file or directory "
    "could not be read or written (a missing one too; list and info only warn of a missing "
    "archive directory or a live region that cannot be read).";

struct DecodeArgs {
  std::string path;
  std::string system_map;
  std::string vmlinux;
  std::string modules;
  std::vector<std::string> debug_dirs;  // empty: lcrt::DebugLookup's
  bool force = false;
  std::string format = "text";  // or "json" (--json)
  bool json = false;            // --json, the same as --format json
  bool all = false;
  long long slot = -1;    // --slot N: the region's slot N, else the N-th position of scan()
  long long offset = -1;  // --offset N: a flash partition at byte N of the image
  bool verbose = false;
};

// The live device's region: the one source collect may clear.
constexpr const char* kRegion = "/sys/kernel/lcrt/nvram";
// collect's archive, which list and info read.
constexpr const char* kArchive = "/var/lib/lcrt";

struct CollectArgs {
  std::string dir = kArchive;
  std::string source = kRegion;
  std::string control = "/sys/kernel/lcrt/control";
  bool no_clear = false;
  std::string before_clear;
};

// Whether the vmlinux is the kernel of every record shown: a mismatch is an
// error unless forced; a build-id missing on either side is a warning.
bool vmlinux_fits(const lcrt::Symbolizer& s, const std::vector<const lcrt::Found*>& shown,
                  bool force) {
  if (s.build_id().empty())
    std::cerr << "lcrt: warning: " << s.path() << " has no build-id: not checked\n";
  bool said_none = false;
  for (const lcrt::Found* f : shown) {
    if (f->record->build_id.empty() && !s.build_id().empty() && !said_none) {
      std::cerr << "lcrt: warning: a record has no build-id: " << s.path() << " not checked\n";
      said_none = true;
    }
    const std::string why = lcrt::build_id_mismatch(s, *f->record);
    if (why.empty()) continue;
    if (!force) {
      std::cerr << "lcrt: " << why << " (--force to use it anyway)\n";
      return false;
    }
    std::cerr << "lcrt: warning: " << why << "\n";
  }
  return true;
}

// Whether a System.map can name the records shown. A map holds link-time
// addresses: a record of format 1.2 gives its KASLR offset (LCRT_SEC_LOAD),
// which is taken off its pcs; an older one does not, and a randomised
// kernel's pcs are then not the map's. The map is used only when every
// unnamed kernel pc lies in its text, else not at all, with a warning that
// says why.
bool system_map_fits(const lcrt::SymbolMap& map, const std::string& path,
                     const std::vector<const lcrt::Found*>& shown) {
  std::size_t unnamed = 0;
  std::size_t outside = 0;
  bool no_offset = false;  // a record that gives no KASLR offset has an unnamed pc outside
  const auto check = [&](const lcrt::Record& r, const lcrt::Frame& f) {
    if (!f.name.empty()) return;
    unnamed++;
    if (map.lookup(lcrt::link_address(r, f.pc))) return;
    outside++;
    no_offset = no_offset || !r.load;
  };
  for (const lcrt::Found* f : shown) {
    const lcrt::Record& r = *f->record;
    for (const auto& fr : r.frames) check(r, fr);
    for (const auto& c : r.cpus)
      if (!c.user())
        for (const auto& fr : c.frames) check(r, fr);
  }
  if (outside == 0) return true;
  std::cerr << "lcrt: warning: " << path << ": " << outside << " of " << unnamed
            << " unnamed addresses lie outside its kernel text: "
            << (no_offset ? "another kernel's System.map, or a kernel with KASLR on (the record "
                            "carries no KASLR offset)"
                          : "another kernel's System.map")
            << "; no names from it\n";
  return false;
}

// What names and places the frames shown: the decode options' System.map
// and vmlinux (with its modules), loaded; without --vmlinux, each record's
// kernel's debug file found by its build-id (lcrt::find_debug_file).
class Symbols {
 public:
  explicit Symbols(const DecodeArgs& a) : args_(a) {
    if (!a.debug_dirs.empty()) lookup_.dirs = a.debug_dirs;
    if (!a.system_map.empty()) map_ = lcrt::SymbolMap::load(a.system_map);
    if (!a.vmlinux.empty()) {
      source_.emplace(a.vmlinux, std::cerr);
      source_->set_lookup(lookup_);
      if (!a.modules.empty()) source_->add_modules(a.modules);
      opt_.kernel_debug = a.vmlinux + " (--vmlinux)";
    } else if (lcrt::dwarf_built() || !a.modules.empty()) {
      // For the records whose kernel's is not found: their modules' only.
      // Made now, so that a --modules that cannot be read is an error first
      // (and one in a build without elfutils, a usage error).
      modules_only_.emplace(std::cerr);
      modules_only_->set_lookup(lookup_);
      if (!a.modules.empty()) modules_only_->add_modules(a.modules);
    }
    opt_.symbols = map_ ? &*map_ : nullptr;
    opt_.source = source_ ? &*source_ : nullptr;
    opt_.stack_words = a.verbose;
  }
  Symbols(const Symbols&) = delete;
  Symbols& operator=(const Symbols&) = delete;
  Symbols(Symbols&&) = delete;
  Symbols& operator=(Symbols&&) = delete;
  ~Symbols() = default;

  // Whether they fit the records shown: a vmlinux of another build is an
  // error unless forced; a System.map that does not fit is left out.
  bool fit(const std::vector<const lcrt::Found*>& shown) {
    if (source_ && !vmlinux_fits(*source_, shown, args_.force)) return false;
    if (map_ && !system_map_fits(*map_, args_.system_map, shown)) opt_.symbols = nullptr;
    for (const lcrt::Found* f : shown) options(*f->record);  // found before any output
    return true;
  }

  // The options for rec (none: a corrupt record's).
  const lcrt::RenderOptions& options(const std::optional<lcrt::Record>& rec) {
    return rec ? options(*rec) : opt_;
  }

  const lcrt::RenderOptions& options(const lcrt::Record& rec) {
    if (!modules_only_) return opt_;
    auto [it, added] = by_id_.try_emplace(rec.build_id);
    if (added) find(it->second, rec.build_id);
    return it->second.opt;
  }

 private:
  // The kernel of one build-id, found or not.
  struct Kernel {
    std::optional<lcrt::Symbolizer> source;
    lcrt::RenderOptions opt;
  };

  void find(Kernel& k, const lcrt::Bytes& id) {
    k.opt = opt_;
    k.opt.source = &*modules_only_;
    if (id.empty()) {
      k.opt.kernel_debug = "none (the record has no build-id: --vmlinux FILE names the kernel)";
      return;
    }
    const lcrt::DebugSearch found = lcrt::find_debug_file(id, lookup_);
    if (!found.file) {
      k.opt.kernel_debug = "none (" + found.why + ")";
      return;
    }
    try {
      k.source.emplace(found.file->path, std::cerr);
    } catch (const std::exception& e) {  // found by its build-id, yet no vmlinux
      k.opt.kernel_debug = "none (" + std::string(e.what()) + ")";
      return;
    }
    k.source->set_lookup(lookup_);
    if (!args_.modules.empty()) k.source->add_modules(args_.modules);
    k.opt.source = &*k.source;
    k.opt.kernel_debug = found.file->origin;
  }

  const DecodeArgs& args_;
  lcrt::DebugLookup lookup_;
  std::optional<lcrt::SymbolMap> map_;
  std::optional<lcrt::Symbolizer> source_;        // --vmlinux's
  std::optional<lcrt::Symbolizer> modules_only_;  // without --vmlinux
  std::map<lcrt::Bytes, Kernel> by_id_;           // without --vmlinux
  lcrt::RenderOptions opt_;
};

// Where a corrupt record is: "offset X", and its slot when the region says.
std::string where(const lcrt::Found& f) {
  return "offset " + std::to_string(f.offset) +
         (f.slot ? " (slot " + std::to_string(*f.slot) + ")" : "");
}

void report_corrupt(const std::string& path, const lcrt::Found& f) {
  std::cerr << path << ": corrupt record at " << where(f) << ": " << f.message << "\n";
}

// The records shown, in the format asked for; the region line first in
// text with --all or -v.
void print_records(const DecodeArgs& a, const lcrt::Scan& scan,
                   const std::vector<const lcrt::Found*>& shown,
                   const std::vector<const lcrt::Found*>& corrupt, Symbols& symbols) {
  if (a.format == "json") {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const lcrt::Found* f : shown)
      out.push_back(lcrt::to_json(*f, scan.region, symbols.options(f->record)));
    for (const lcrt::Found* f : corrupt)
      out.push_back(lcrt::to_json(*f, scan.region, symbols.options(f->record)));
    std::cout << out.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
  } else {
    if (scan.region && (a.all || a.verbose)) std::cout << lcrt::region_line(*scan.region) << "\n";
    for (const lcrt::Found* f : shown)
      std::cout << lcrt::render_text(*f, symbols.options(f->record));
  }
}

// --slot N: with a region header, the region's slot N; without one, the
// N-th record position scan() found (0 first, valid or corrupt, in offset
// order), which is the kernel's slot number when no empty slot comes
// before it (the kernel fills slots from 0 after a clear).
int print_slot(const DecodeArgs& a, const lcrt::Scan& scan, Symbols& symbols) {
  const auto n = static_cast<std::size_t>(a.slot);
  const lcrt::Found* f = nullptr;
  if (scan.region) {
    for (const auto& g : scan.found)
      if (g.slot == n) f = &g;
  } else if (n < scan.found.size()) {
    f = &scan.found[n];
  }
  if (f == nullptr) {
    std::cerr << "lcrt: " << a.path << ": slot " << n;
    if (!scan.region)
      std::cerr << " is empty (the image holds " << scan.found.size()
                << (scan.found.size() == 1 ? " record" : " records") << ")\n";
    else if (n >= scan.region->nslots)
      std::cerr << " is past the last (the region has " << scan.region->nslots
                << (scan.region->nslots == 1 ? " slot" : " slots") << ")\n";
    else
      std::cerr << " is empty\n";
    if (a.format == "json") std::cout << "[]\n";
    return kExitNoRecord;
  }
  if (f->error) {
    std::cerr << a.path << ": slot " << n << ": corrupt record at offset " << f->offset << ": "
              << f->message << "\n";
    if (a.format == "json") print_records(a, scan, {}, {f}, symbols);
    return kExitCorrupt;
  }
  if (!symbols.fit({f})) return kExitData;
  print_records(a, scan, {f}, {}, symbols);
  return kExitOk;
}

// The region image decode reads from a.path: a record or region as it is,
// a flash dump's or a variable store's region, LCRT's variables in
// efivarfs. nullopt (and status, said on stderr) when there is none.
std::optional<lcrt::Bytes> decode_image(const DecodeArgs& a, int& status) {
  // The variables themselves, as efivarfs shows them on a running system.
  std::optional<lcrt::EfiStore> efi = a.path == "-" ? std::nullopt : lcrt::efivarfs(a.path);
  const bool directory = efi.has_value();
  if (directory && a.offset >= 0) {
    std::cerr << a.path << ": --offset is for a dump of flash, not a directory of UEFI variables\n";
    status = kExitUsage;
    return std::nullopt;
  }
  lcrt::Bytes image = directory ? lcrt::Bytes{} : lcrt::read_image(a.path);
  // A dump of NOR flash (the partition, or the chip with --offset).
  std::optional<std::size_t> at;
  if (a.offset >= 0 && static_cast<unsigned long long>(a.offset) > image.size()) {
    std::cerr << a.path << ": no LCRT flash partition at offset " << a.offset << ": the image has "
              << image.size() << " bytes\n";
    status = kExitNoRecord;
    return std::nullopt;
  }
  if (a.offset >= 0) at = static_cast<std::size_t>(a.offset);
  // A file of a UEFI variable store (OVMF's VARS, a firmware flash image).
  if (!efi && !at) efi = lcrt::efi_store(image);
  if (efi) {
    if (efi->image.empty())
      std::cerr << a.path
                << (directory ? ": a directory of UEFI variables (efivarfs) that holds"
                              : ": a UEFI variable store that holds")
                << " no LCRT variable\n";
    return std::move(efi->image);
  }
  if (auto region = lcrt::flash_region(image, at)) return region;
  if (at) {
    std::cerr << a.path << ": no LCRT flash partition at offset " << *at << "\n";
    status = kExitNoRecord;
    return std::nullopt;
  }
  return image;
}

// Decode an image (one record, or a whole region) and print its records.
int decode_and_print(const DecodeArgs& a) {
  int status = kExitOk;
  const std::optional<lcrt::Bytes> image = decode_image(a, status);
  if (!image) return status;
  Symbols symbols(a);

  const lcrt::Scan scan = lcrt::scan(*image);
  if (scan.slots_missing != 0)
    std::cerr << a.path << ": the image ends before slot "
              << scan.region->nslots - scan.slots_missing << " of " << scan.region->nslots
              << ": the slots from there are not read\n";
  if (a.slot >= 0) return print_slot(a, scan, symbols);
  for (const auto& f : scan.found)
    if (f.error) report_corrupt(a.path, f);
  const lcrt::Found* best = lcrt::newest(scan.found);
  std::vector<const lcrt::Found*> shown;
  std::vector<const lcrt::Found*> corrupt;
  for (const auto& f : scan.found) {
    if (f.record && (a.all || &f == best)) shown.push_back(&f);
    if (f.error) corrupt.push_back(&f);
  }
  if (!symbols.fit(shown)) return kExitData;

  if (a.format == "json" || best != nullptr) {
    print_records(a, scan, shown, corrupt, symbols);
  } else {
    if (scan.region && (a.all || a.verbose)) std::cout << lcrt::region_line(*scan.region) << "\n";
    std::cout << (scan.found.empty() ? "no crash record\n" : "no valid crash record\n");
  }
  if (best != nullptr) return kExitOk;
  return scan.found.empty() ? kExitNoRecord : kExitCorrupt;
}

// Where list and info find the records: collect's archive and the live region.
struct ListArgs {
  std::string dir = kArchive;
  std::string source = kRegion;
  bool json = false;
};

// lcrt list (lcrt::list_records): one line per record, or a JSON array.
int list(const ListArgs& a) {
  const lcrt::Listing listing = lcrt::list_records(a.dir, a.source, std::cerr);
  if (a.json)
    std::cout << lcrt::list_json(listing).dump(2, ' ', false,
                                               nlohmann::ordered_json::error_handler_t::replace)
              << "\n";
  else
    std::cout << lcrt::list_text(listing);
  return kExitOk;
}

// lcrt info ID: the record lcrt::resolve() finds, as decode shows it (an
// archived one as decode shows its .rec; a live one as the region holds it,
// with its slot and region). What list would warn of is said only when the
// ID is refused (it may be why).
int info(const DecodeArgs& a, const ListArgs& where, const std::string& id) {
  std::ostringstream warnings;
  const lcrt::Listing listing = lcrt::list_records(where.dir, where.source, warnings);
  lcrt::Resolved r;
  try {
    r = lcrt::resolve(listing, id);
  } catch (const lcrt::UsageError&) {
    std::cerr << warnings.str();
    throw;
  }
  Symbols symbols(a);
  if (!symbols.fit({r.found})) return kExitData;
  lcrt::Scan scan;
  if (r.live) scan.region = listing.region;
  print_records(a, scan, {r.found}, {}, symbols);
  return kExitOk;
}

// lcrt stats (lcrt::crash_stats): collect's journal entries, one line per
// signature, or a JSON array.
int stats(const lcrt::JournalSource& source, bool json) {
  const auto ranked = lcrt::crash_stats(lcrt::read_crash_entries(source));
  if (json)
    std::cout << lcrt::stats_json(ranked).dump(2, ' ', false,
                                               nlohmann::ordered_json::error_handler_t::replace)
              << "\n";
  else
    std::cout << lcrt::stats_text(ranked);
  return kExitOk;
}

// A control file that is not the kernel's, or a word it refuses, is the
// user's to fix (64); one that cannot be written, an I/O error (74).
int control_exit(const lcrt::ControlError& e) {
  return e.kind() == lcrt::ControlError::Kind::kIo ? kExitIo : kExitUsage;
}

// Erase through the kernel's control file, and nothing else: a mistyped
// path must not become a new file that "took" the word.
int clear(const std::string& control, const lcrt::ClearScope& scope) {
  try {
    lcrt::write_control(control, scope);
  } catch (const lcrt::ControlError& e) {
    std::cerr << "lcrt: " << e.what() << "\n";
    return control_exit(e);
  }
  return kExitOk;
}

// lcrt collect (lcrt::collect): only the live region is ever cleared.
int collect(const CollectArgs& a) {
  lcrt::Device device(kRegion, a.control);
  const lcrt::CollectResult r =
      lcrt::collect({a.dir, a.source, !a.no_clear, a.before_clear}, device, std::cout, std::cerr);
  return r.corrupt != 0 ? kExitCorrupt : kExitOk;
}

// The decode options; --all and --slot (which records) only with select.
void add_decode_options(CLI::App* cmd, DecodeArgs& a, bool select = true) {
  auto* format = cmd->add_option("--format", a.format,
                                 "text (the default) or json: an array of the records shown, "
                                 "then one {offset, slot, error} per corrupt or torn record")
                     ->check(CLI::IsMember({"text", "json"}));
  cmd->add_flag("--json", a.json, "the same as --format json")->excludes(format);
  if (select) {
    auto* all = cmd->add_flag("--all", a.all,
                              "every valid record, not only the newest (text: the region line "
                              "first)");
    cmd->add_option("--slot", a.slot,
                    "only the record in slot N of the region; in an image without a region "
                    "header, the N-th record (0 first, valid or corrupt) in offset order")
        ->check(CLI::NonNegativeNumber)
        ->type_name("N")
        ->excludes(all);
  }
  cmd->add_flag("-v,--verbose", a.verbose,
                "text: the region line, and each frame's stack words, not only their count");
  // Files are not checked here: one that cannot be read is an I/O error
  // (74) when it is opened, as the image is, not a usage error.
  cmd->add_option("--system-map", a.system_map, "name unnamed frames from this System.map");
  auto* vmlinux = cmd->add_option("--vmlinux", a.vmlinux,
                                  "source lines of named frames from this vmlinux's DWARF "
                                  "(it must have the record's build-id); without it, the "
                                  "kernel's debug file is found by build-id (--debug-dir, "
                                  "DEBUGINFOD_URLS)");
  cmd->add_option("--modules", a.modules,
                  "source lines of module frames from the .ko files under this directory, "
                  "matched by build-id (then found as the kernel's is)");
  cmd->add_option("--debug-dir", a.debug_dirs,
                  "find debug files by build-id as DIR/.build-id/xx/rest.debug, in each "
                  "--debug-dir in turn (default /usr/lib/debug), then from debuginfod "
                  "when DEBUGINFOD_URLS is set")
      ->type_name("DIR")
      ->allow_extra_args(false);
  cmd->add_flag("--force", a.force, "use a --vmlinux whose build-id is not the record's")
      ->needs(vmlinux);
}

}  // namespace

namespace {

int run(int argc, char** argv) {
  CLI::App app{"lcrt: LCRT (Linux Crash Record and Trace) records"};
  app.require_subcommand(1);
  app.set_version_flag(
      "--version",
      std::string(LCRT_VERSION) +
          (lcrt::journal_built() ? " (journal entries and stats: libsystemd"
                                 : " (no journal entries or stats: built without libsystemd") +
          (!lcrt::dwarf_built()       ? "; no source lines: built without elfutils)"
           : lcrt::debuginfod_built() ? "; source lines: elfutils, debuginfod)"
                                      : "; source lines: elfutils, no debuginfod)"));
  app.footer(kExitHelp);

  DecodeArgs show_args;
  show_args.path = "/sys/kernel/lcrt/nvram";
  auto* show = app.add_subcommand("show", "show the newest record of this machine");
  show->add_option("--source", show_args.path, "raw record or region (sysfs)");
  add_decode_options(show, show_args);

  DecodeArgs decode_args;
  auto* decode = app.add_subcommand(
      "decode",
      "decode a raw record, an NVRAM region image, a dump of LCRT's flash partition, a UEFI "
      "variable store file or the variables in efivarfs");
  decode
      ->add_option("image", decode_args.path,
                   "the image file, a directory of UEFI variables (efivarfs), - for standard "
                   "input")
      ->required();
  add_decode_options(decode, decode_args);
  decode
      ->add_option("--offset", decode_args.offset,
                   "the image is a dump of a whole flash chip: LCRT's partition starts at "
                   "byte N (a dump of the partition itself is found without it)")
      ->check(CLI::NonNegativeNumber)
      ->type_name("N");

  std::string control = "/sys/kernel/lcrt/control";
  std::optional<std::uint64_t> clear_seq;
  std::optional<std::uint64_t> clear_upto;
  auto* clr = app.add_subcommand("clear", "erase every record of this machine (or some)");
  clr->add_option("--control", control, "the control file");
  auto* seq_opt = clr->add_option("--seq", clear_seq, "only the record of this sequence number")
                      ->type_name("N")
                      ->check(CLI::PositiveNumber);  // the kernel numbers records from 1
  clr->add_option("--upto", clear_upto,
                  "only the records (valid or torn) of a sequence number up to N")
      ->type_name("N")
      ->excludes(seq_opt);

  CollectArgs collect_args;
  auto* col = app.add_subcommand(
      "collect", "archive every new record to a directory, then clear the region when safe");
  col->add_option("--dir", collect_args.dir, "the archive directory (created when missing)")
      ->capture_default_str();
  col->add_option("--source", collect_args.source, "the region (sysfs) or an image of one")
      ->capture_default_str();
  col->add_option("--control", collect_args.control, "the control file")->capture_default_str();
  col->add_flag("--no-clear", collect_args.no_clear, "archive only, never clear");
  col->add_option("--before-clear", collect_args.before_clear,
                  "a shell command run once the archive is on disk; nothing is cleared unless it "
                  "exits 0")
      ->excludes("--no-clear");

  ListArgs list_args;
  auto* lst = app.add_subcommand(
      "list", "one line per record: every archived one and every one on the live region");
  lst->add_option("--dir", list_args.dir, "the archive directory (collect's)")
      ->capture_default_str();
  lst->add_option("--source", list_args.source,
                  "the live region (sysfs) or an image of one; unreadable: a warning")
      ->capture_default_str();
  lst->add_flag("--json", list_args.json,
                "a JSON array: id, archived, live, seq, event, culprit, signature, title");

  ListArgs info_where;
  DecodeArgs info_args;
  std::string info_id;
  auto* inf = app.add_subcommand("info", "the full decode of one record of lcrt list");
  inf->add_option("id", info_id,
                  "an ID of lcrt list (an archive name or the start of one, live:SEQ), or a "
                  "sequence number")
      ->required();
  inf->add_option("--dir", info_where.dir, "the archive directory (collect's)")
      ->capture_default_str();
  inf->add_option("--source", info_where.source, "the live region (sysfs) or an image of one")
      ->capture_default_str();
  add_decode_options(inf, info_args, false);

  lcrt::JournalSource stats_source;
  bool stats_as_json = false;
  auto* sts = app.add_subcommand(
      "stats", "rank the crash signatures of lcrt collect's journal entries (a fleet's too)");
  sts->add_flag("--json", stats_as_json,
                "a JSON array: signature, count, devices, first_release, last_release, "
                "first_seen, last_seen, culprit, reason, title");
  auto* stats_dir =
      sts->add_option("--directory", stats_source.directory,
                      "the journal files of this directory (systemd-journal-remote's: "
                      "/var/log/journal/remote), not this machine's journal")
          ->type_name("DIR");
  sts->add_option("--file", stats_source.files,
                  "this journal file, not this machine's journal (again for more)")
      ->excludes(stats_dir)
      ->type_name("FILE");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  for (DecodeArgs* a : {&show_args, &decode_args, &info_args})
    if (a->json) a->format = "json";
  try {
    if (*show) return decode_and_print(show_args);
    if (*decode) return decode_and_print(decode_args);
    if (*clr) {
      lcrt::ClearScope scope;
      if (clear_seq) scope = {lcrt::ClearScope::Kind::kSeq, *clear_seq};
      if (clear_upto) scope = {lcrt::ClearScope::Kind::kUpto, *clear_upto};
      return clear(control, scope);
    }
    if (*col) return collect(collect_args);
    if (*lst) return list(list_args);
    if (*inf) return info(info_args, info_where, info_id);
    if (*sts) return stats(stats_source, stats_as_json);
  } catch (const lcrt::IoError& e) {
    std::cerr << "lcrt: " << e.what() << "\n";
    return kExitIo;
  } catch (const lcrt::ControlError& e) {
    std::cerr << "lcrt: " << e.what() << "\n";
    return control_exit(e);
  } catch (const std::system_error& e) {  // a --vmlinux, --modules or archive that cannot be read
    std::cerr << "lcrt: " << e.what() << "\n";
    return kExitIo;
  } catch (const lcrt::DataError& e) {  // a --system-map or --vmlinux that is not one
    std::cerr << "lcrt: " << e.what() << "\n";
    return kExitData;
  } catch (const lcrt::UsageError& e) {  // what this build cannot do
    std::cerr << "lcrt: " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {  // a bug: said as one, not blamed on the user
    std::cerr << "lcrt: internal error: " << e.what() << "\n";
    return kExitSoftware;
  }
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  int rc = kExitSoftware;
  try {
    rc = run(argc, argv);
  } catch (...) {
    std::cerr << "lcrt: internal error\n";
  }
  // What could not be written is an error: a full disk, a closed pipe.
  try {
    lcrt::flush_or_throw(std::cout, "standard output");
  } catch (const lcrt::IoError& e) {
    std::cerr << "lcrt: " << e.what() << "\n";
    return kExitIo;
  }
  return rc;
}
