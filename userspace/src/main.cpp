// lcrt: read, decode and clear LCRT crash records. Thin over lcrtcore.
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>

#include "lcrt/record.hpp"
#include "lcrt/render.hpp"
#include "lcrt/symbols.hpp"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitNoRecord = 2;

struct DecodeArgs {
  std::string path;
  std::string system_map;
  bool json = false;
  bool all = false;
};

lcrt::Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": " + std::strerror(errno));
  lcrt::Bytes b{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) throw std::runtime_error(path + ": read error");
  return b;
}

// Decode an image (one record, or a whole region) and print its records.
int decode_and_print(const DecodeArgs& a) {
  const lcrt::Bytes image = read_file(a.path);
  std::optional<lcrt::SymbolMap> map;
  if (!a.system_map.empty()) map = lcrt::SymbolMap::load(a.system_map);
  lcrt::RenderOptions opt;
  opt.symbols = map ? &*map : nullptr;

  const auto found = lcrt::scan(image);
  for (const auto& f : found)
    if (f.error)
      std::cerr << a.path << ": corrupt record at offset " << f.offset << ": " << f.message << "\n";
  const lcrt::Found* best = lcrt::newest(found);

  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& f : found) {
      if (!f.record || (!a.all && &f != best)) continue;
      auto j = lcrt::to_json(*f.record, opt);
      j["offset"] = f.offset;
      out.push_back(std::move(j));
    }
    for (const auto& f : found)
      if (f.error) out.push_back({{"offset", f.offset}, {"error", f.message}});
    std::cout << out.dump(2) << "\n";
  } else if (best != nullptr) {
    for (const auto& f : found)
      if (f.record && (a.all || &f == best)) std::cout << lcrt::render_text(*f.record, opt);
  } else {
    std::cout << (found.empty() ? "no crash record\n" : "no valid crash record\n");
  }
  return best != nullptr ? kExitOk : kExitNoRecord;
}

int clear(const std::string& control) {
  std::ofstream out(control);
  if (out) out << "clear\n" << std::flush;
  if (!out) {
    std::cerr << control << ": " << std::strerror(errno) << "\n";
    return kExitError;
  }
  return kExitOk;
}

void add_decode_options(CLI::App* cmd, DecodeArgs& a) {
  cmd->add_flag("--json", a.json, "print JSON");
  cmd->add_flag("--all", a.all, "every valid record, not only the newest");
  cmd->add_option("--system-map", a.system_map, "name unnamed frames from this System.map")
      ->check(CLI::ExistingFile);
}

}  // namespace

namespace {

int run(int argc, char** argv) {
  CLI::App app{"lcrt: LCRT (Linux Crash Record and Trace) records"};
  app.require_subcommand(1);

  DecodeArgs show_args;
  show_args.path = "/sys/kernel/lcrt/nvram";
  auto* show = app.add_subcommand("show", "show the newest record of this machine");
  show->add_option("--source", show_args.path, "raw record or region (sysfs)");
  add_decode_options(show, show_args);

  DecodeArgs decode_args;
  auto* decode = app.add_subcommand("decode", "decode a raw record or NVRAM region image");
  decode->add_option("image", decode_args.path, "the image file")->required();
  add_decode_options(decode, decode_args);

  std::string control = "/sys/kernel/lcrt/control";
  auto* clr = app.add_subcommand("clear", "erase every record of this machine");
  clr->add_option("--control", control, "the control file");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*show) return decode_and_print(show_args);
    if (*decode) return decode_and_print(decode_args);
    if (*clr) return clear(control);
  } catch (const std::exception& e) {
    std::cerr << "lcrt: " << e.what() << "\n";
    return kExitError;
  }
  return kExitError;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (...) {
    std::cerr << "lcrt: internal error\n";
    return kExitError;
  }
}
