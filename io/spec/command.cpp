#include "io/spec/command.hpp"

#include <charconv>
#include <stdexcept>

namespace joulegrid {

const std::vector<std::string>& command_placeholders() {
  static const std::vector<std::string> names{
      "size", "batch_size", "learning_rate", "optimizer", "seed",          "repeat",     "fold",
      "cell_id", "device", "data",          "epochs",    "checkpoint_to", "resume_from"};
  return names;
}

namespace {

std::string expand_one(const std::string& arg, const std::map<std::string, std::string>& values) {
  std::string out;
  for (size_t i = 0; i < arg.size(); ++i) {
    const char c = arg[i];
    if ((c == '{' || c == '}') && i + 1 < arg.size() && arg[i + 1] == c) {
      out += c;
      ++i;
    } else if (c == '{') {
      const size_t close = arg.find('}', i);
      if (close == std::string::npos) throw std::invalid_argument("'" + arg + "' has a '{' without its '}'");
      const std::string name = arg.substr(i + 1, close - i - 1);
      const auto v = values.find(name);
      if (v == values.end()) {
        std::string known;
        for (const auto& p : command_placeholders()) known += (known.empty() ? "{" : ", {") + p + "}";
        throw std::invalid_argument("'" + arg + "' names {" + name + "}, which is not a cell parameter; known: " +
                                    known + " ({{ and }} for a brace)");
      }
      out += v->second;
      i = close;
    } else if (c == '}') {
      throw std::invalid_argument("'" + arg + "' has a '}' without its '{' ({{ and }} for a brace)");
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> expand_command(const std::vector<std::string>& command,
                                        const std::map<std::string, std::string>& values) {
  std::vector<std::string> out;
  out.reserve(command.size());
  for (const auto& arg : command) out.push_back(expand_one(arg, values));
  return out;
}

std::string shortest_decimal(double value) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, r.ptr);
}

}  // namespace joulegrid
