#pragma once
// A temporary folder that removes itself.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace joulegrid::testing {

class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "joulegrid-test-XXXXXX").string();
    if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    const std::string f = file(name);
    std::filesystem::create_directories(std::filesystem::path(f).parent_path());
    std::ofstream(f, std::ios::binary) << text;
    return f;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace joulegrid::testing
