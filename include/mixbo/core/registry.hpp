#pragma once
// One name -> factory table, the single way mixbo picks a component by the name a campaign file
// gives (strategies, executors, simulators, acquisitions, and the leaf kernels of a kernel
// expression). Each entry has a help line, so a registry is also the
// list of allowed values and the help text `mixbo validate --help` prints.
//
// Registries are filled explicitly, by the function that owns them, on first use (a
// function-local static), never by static initialisers: those do not run for an object file of
// a static library that nothing references. A new component is its own file plus one add() line.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "mixbo/core/error.hpp"

namespace mixbo {

template <class Factory>
class Registry {
 public:
  struct Entry {
    std::string name;
    std::string help;
    Factory make;
  };

  // `what` names the kind of thing registered, for messages ("strategy").
  explicit Registry(std::string what) : what_(std::move(what)) {}

  Registry& add(std::string name, std::string help, Factory make) {
    if (find(name)) throw Error(what_ + " '" + name + "' is registered twice");
    entries_.push_back({std::move(name), std::move(help), std::move(make)});
    return *this;
  }

  // nullptr when `name` is not registered.
  const Entry* find(const std::string& name) const {
    const auto it = std::find_if(entries_.begin(), entries_.end(),
                                 [&](const Entry& e) { return e.name == name; });
    return it == entries_.end() ? nullptr : &*it;
  }

  // The entry `name`, or a ConfigError "<where>: key '<key>' is '<name>'; allowed: a, b".
  const Entry& get(const std::string& name, const std::string& where,
                   const std::string& key) const {
    if (const Entry* e = find(name)) return *e;
    throw ConfigError(where + ": key '" + key + "' is '" + name + "'; allowed: " + names_text());
  }

  // In registration order.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : entries_) out.push_back(e.name);
    return out;
  }
  std::string names_text(const std::string& separator = ", ") const {
    std::string out;
    for (const auto& e : entries_) out += (out.empty() ? "" : separator) + e.name;
    return out;
  }
  // One line per entry: "name: help".
  std::string help_text() const {
    std::string out;
    for (const auto& e : entries_) out += e.name + ": " + e.help + "\n";
    return out;
  }
  const std::vector<Entry>& entries() const { return entries_; }
  const std::string& what() const { return what_; }

 private:
  std::string what_;
  std::vector<Entry> entries_;
};

}  // namespace mixbo
