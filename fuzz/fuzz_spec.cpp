// The spec parser: any text is a spec or an InputError naming the line and field.

#include <cstdint>
#include <string>

#include "io/errors.hpp"
#include "io/spec/spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    joulegrid::parse_spec(text, "fuzz.toml", "/nonexistent-base");
  } catch (const joulegrid::InputError&) {
  }
  return 0;
}
