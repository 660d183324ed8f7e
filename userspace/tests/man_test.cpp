// The man page (man/lcrt.1) promises only what the tool has: every option
// it names is one the command line takes (as each command's --help lists
// them, which CLI11 writes from the parser itself), in the commands whose
// sections name it, and the region line it shows is the tool's.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "encoder.hpp"
#include "lcrt/record.hpp"
#include "lcrt/render.hpp"

namespace lcrt {
namespace {

using test::lcrt_cli;

// The page, its roff escapes for '-', '"' and fonts taken out.
std::vector<std::string> man_lines() {
  std::ifstream in(std::string(LCRT_TEST_DATA) + "/../../man/lcrt.1");
  EXPECT_TRUE(in) << "no man/lcrt.1";
  std::vector<std::string> lines;
  std::string line;
  static const std::regex kFont(R"(\\f[BIRP])");
  while (std::getline(in, line)) {
    std::string plain;
    for (std::size_t i = 0; i < line.size(); i++) {
      if (line.compare(i, 2, "\\-") == 0) {
        plain += '-';
        i++;
      } else if (line.compare(i, 4, "\\(dq") == 0) {
        plain += '"';
        i += 3;
      } else {
        plain += line[i];
      }
    }
    lines.push_back(std::regex_replace(plain, kFont, ""));
  }
  return lines;
}

// The options in text: --long ones and -x short ones, as words.
std::set<std::string> options_in(const std::string& text) {
  static const std::regex kOption(
      R"((?:^|[\s\[(|,"])(--?[A-Za-z][A-Za-z-]*[A-Za-z]|-[A-Za-z])(?=$|[\s\]),|"]))");
  std::set<std::string> out;
  for (std::sregex_iterator it(text.begin(), text.end(), kOption), end; it != end; ++it)
    out.insert((*it)[1]);
  return out;
}

// What a command's --help lists in its option column ("-v,--verbose").
std::set<std::string> help_options(const std::string& command) {
  const auto run = lcrt_cli(command + " --help");
  EXPECT_EQ(run.status, 0) << command << ": " << run.out;
  std::set<std::string> out;
  std::istringstream in(run.out);
  std::string line;
  static const std::regex kColumn(R"(^\s+(-[^\s]+))");
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_search(line, m, kColumn)) continue;
    std::istringstream names(m[1].str());
    for (std::string name; std::getline(names, name, ',');) out.insert(name);
  }
  return out;
}

const std::vector<std::string> kCommands = {"",     "show", "decode", "collect",
                                            "list", "info", "stats",  "clear"};

// Each command's options as the page names them: in its SYNOPSIS line, in
// the title of its section under COMMANDS, and in the .TP tags there
// ("Decode options (show and decode)": both).
std::map<std::string, std::set<std::string>> man_options() {
  std::map<std::string, std::set<std::string>> out;
  std::string sh;
  std::vector<std::string> commands;  // whose options the lines name now
  bool tag = false;
  for (const std::string& line : man_lines()) {
    if (line.rfind(".SH", 0) == 0) {
      sh = line;
      commands.clear();
      continue;
    }
    if (sh == ".SH SYNOPSIS") {
      if (line == ".br") {
        commands.clear();
      } else if (line.rfind(".B lcrt", 0) == 0) {
        const std::string command = line.size() > 8 ? line.substr(8) : "";
        commands = {command};
        out[command];
      }
    } else if (sh == ".SH COMMANDS" && line.rfind(".SS", 0) == 0) {
      commands.clear();
      for (const std::string c : {"show", "decode", "collect", "list", "info", "stats", "clear"})
        if (line.find(std::string("\"") + c + " ") != std::string::npos ||
            (line.find("Decode options") != std::string::npos && (c == "show" || c == "decode")))
          commands.push_back(c);
      EXPECT_FALSE(commands.empty()) << "a section of no command: " << line;
    } else if (sh != ".SH COMMANDS") {
      continue;
    }
    if (commands.empty()) continue;
    if (sh == ".SH SYNOPSIS" || line.rfind(".SS", 0) == 0 || tag)
      for (const std::string& c : commands)
        for (const std::string& o : options_in(line)) out[c].insert(o);
    tag = line == ".TP";
  }
  return out;
}

TEST(ManPage, EveryOptionOfACommandIsOneItTakes) {
  const auto man = man_options();
  ASSERT_EQ(man.size(), kCommands.size()) << "SYNOPSIS names other commands";
  for (const std::string& command : kCommands) {
    SCOPED_TRACE("lcrt " + command);
    ASSERT_TRUE(man.count(command));
    EXPECT_FALSE(man.at(command).empty());
    const auto help = help_options(command);
    for (const std::string& option : man.at(command))
      EXPECT_TRUE(help.count(option))
          << "the page names " << option << ", lcrt " << command << " --help does not";
  }
  // The ones the sections hold, not only the synopsis.
  EXPECT_TRUE(man.at("decode").count("--vmlinux"));
  EXPECT_TRUE(man.at("show").count("--verbose"));
  EXPECT_TRUE(man.at("collect").count("--no-clear"));
  EXPECT_TRUE(man.at("clear").count("--upto"));
  EXPECT_TRUE(man.at("list").count("--json"));
  EXPECT_TRUE(man.at("info").count("--dir"));
  EXPECT_TRUE(man.at("info").count("--format"));
  EXPECT_TRUE(man.at("stats").count("--directory"));
  EXPECT_TRUE(man.at("stats").count("--file"));
}

// lcrt list --json's keys are the ones its section names in bold, each
// one: the page documents the stable names.
TEST(ManPage, ListJsonKeysAreTheOnesItNames) {
  std::vector<std::string> section;
  bool in = false;
  for (const std::string& line : man_lines()) {
    if (line.rfind(".SS", 0) == 0 || line.rfind(".SH", 0) == 0)
      in = line.rfind(".SS \"list ", 0) == 0;
    if (in) section.push_back(line);
  }
  ASSERT_FALSE(section.empty());
  // The tag of --json, then its paragraph up to the next tag or section.
  const auto json = std::find(section.begin(), section.end(), ".B --json");
  ASSERT_NE(json, section.end());
  std::set<std::string> bold;
  static const std::regex kBold(R"(^\.BR? ([a-z_]+)(?:\s|$))");
  for (auto it = json + 1; it != section.end() && *it != ".TP"; ++it) {
    std::smatch m;
    if (std::regex_search(*it, m, kBold)) bold.insert(m[1]);
  }
  const auto run = lcrt_cli("list --json --dir /nonexistent --source " +
                            test::write_temp("man-list.img", test::make_record(test::Spec{})));
  ASSERT_EQ(run.status, 0) << run.out;
  const auto j = nlohmann::json::parse(run.out.substr(run.out.find('[')));
  ASSERT_EQ(j.size(), 1U);
  std::set<std::string> keys;
  for (const auto& item : j[0].items()) keys.insert(item.key());
  EXPECT_EQ(keys.size(), 10U);
  for (const std::string& k : keys) EXPECT_TRUE(bold.count(k)) << k << " is not in lcrt(1)";
  for (const std::string& b : bold) EXPECT_TRUE(keys.count(b)) << b << " is no key of list --json";
}

// The bash completion offers each command's options, every one it takes
// (but -h) and none other.
TEST(Completion, OffersTheOptionsOfEachCommand) {
  std::ifstream in(std::string(LCRT_TEST_DATA) + "/../../completion/lcrt");
  ASSERT_TRUE(in);
  std::map<std::string, std::set<std::string>> offered;
  static const std::regex kCase(R"xx(^\s+(\w+|"")\) opts="([^"]*)")xx");
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, kCase)) continue;
    std::istringstream words(m[2].str());
    auto& set = offered[m[1] == "\"\"" ? "" : m[1].str()];
    for (std::string w; words >> w;) set.insert(w);
  }
  ASSERT_EQ(offered.size(), kCommands.size());
  for (const std::string& command : kCommands) {
    SCOPED_TRACE("lcrt " + command);
    std::set<std::string> want = help_options(command);
    want.erase("-h");
    if (command.empty()) want.insert(kCommands.begin() + 1, kCommands.end());
    EXPECT_EQ(offered[command], want);
  }
}

// Any option the page names anywhere (its prose, examples) is one that
// some command takes.
TEST(ManPage, EveryOptionItNamesAnywhereExists) {
  std::set<std::string> known;
  for (const std::string& command : kCommands)
    for (const std::string& o : help_options(command)) known.insert(o);
  std::size_t named = 0;
  for (const std::string& line : man_lines()) {
    if (line.rfind(".\\\"", 0) == 0) continue;  // a roff comment
    for (const std::string& option : options_in(line)) {
      if (option.rfind("--", 0) != 0) continue;  // -v, but also prose's "-bit"
      named++;
      EXPECT_TRUE(known.count(option)) << option << " in: " << line;
    }
  }
  EXPECT_GT(named, 30U);
}

// The region line the page shows is the one the tool prints for that
// header (policy names included).
TEST(ManPage, TheRegionLineIsTheTools) {
  test::RegionSpec spec;  // 3 slots of 1024 bytes, boot 5, 2 dropped, next seq 9
  const auto region = read_region(test::make_region(spec, {}));
  ASSERT_TRUE(region);
  const std::string line = region_line(*region);
  bool found = false;
  for (const std::string& l : man_lines())
    if (l.rfind("region: ", 0) == 0) {
      EXPECT_EQ(l, line);
      found = true;
    }
  EXPECT_TRUE(found);
  spec.policy = LCRT_RING_OVERWRITE;
  EXPECT_TRUE(
      test::has(region_line(*read_region(test::make_region(spec, {}))), "policy overwrite,"));
}

}  // namespace
}  // namespace lcrt
