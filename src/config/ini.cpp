#include "mixbo/config/ini.hpp"

#include <cctype>
#include <cstdio>
#include <sstream>

#include "mixbo/core/error.hpp"

namespace mixbo {

namespace {

bool blank(char c) { return c == ' ' || c == '\t'; }

std::string trim_blanks(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && (blank(s[a]) || s[a] == '\r')) ++a;
  while (b > a && (blank(s[b - 1]) || s[b - 1] == '\r')) --b;
  return s.substr(a, b - a);
}

bool valid_section(const std::string& s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!(std::isalnum(c) || c == '_' || c == '-' || c == '.')) return false;
  return true;
}

}  // namespace

std::string printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    }
  }
  return out;
}

std::vector<IniEntry> parse_ini(const std::string& input, const std::string& where) {
  std::string text = input;
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
  std::vector<IniEntry> out;
  std::istringstream in(text);
  std::string raw, section;
  int n = 0;
  auto fail = [&](const std::string& what) {
    throw ConfigError(where + ": line " + std::to_string(n) + ": " + what);
  };
  while (std::getline(in, raw)) {
    ++n;
    if (!raw.empty() && raw.back() == '\r') raw.pop_back();  // CRLF files
    // Comment: from a '#' at the start or after a blank to the end of the line.
    for (size_t i = 0; i < raw.size(); ++i)
      if (raw[i] == '#' && (i == 0 || blank(raw[i - 1]))) {
        raw.erase(i);
        break;
      }
    const std::string line = trim_blanks(raw);
    if (line.empty() || line[0] == ';') continue;
    for (unsigned char c : line)
      if (c < 0x20 && c != '\t') fail("control character in '" + printable(line) + "'");
    if (line[0] == '[') {
      if (line.back() != ']') fail("malformed section header '" + printable(line) + "'");
      section = trim_blanks(line.substr(1, line.size() - 2));
      if (!valid_section(section)) fail("malformed section name '" + printable(section) + "'");
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos)
      fail("expected 'key = value' or '[section]', got '" + printable(line) + "'");
    const std::string key = trim_blanks(line.substr(0, eq));
    if (key.empty()) fail("no key before '=' in '" + printable(line) + "'");
    if (section.empty()) fail("key '" + printable(key) + "' comes before any [section]");
    out.push_back({section + "." + key, trim_blanks(line.substr(eq + 1)), n});
  }
  return out;
}

}  // namespace mixbo
