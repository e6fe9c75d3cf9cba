// HDF5 tensor files, for spectrograms and other tensors: `x` (uint8 or
// float32, [N, C, H, W] or [N, F, T]) and `y` (integers, [N]), either under
// groups `train/` and `test/` or at the top level (then only with kfold).

#include <string>

#include "io/datasets/datasets.hpp"
#include "io/h5/h5.hpp"

namespace joulegrid {

namespace {

SampleSet read_pair(hid_t file, const std::string& path, const std::string& group, int classes) {
  const std::string xname = group + "x", yname = group + "y";
  const std::string xwhere = path + ":/" + xname, ywhere = path + ":/" + yname;
  if (!h5::has_object(file, xname) || !h5::has_object(file, yname))
    throw InputError(path + ": missing dataset /" + (h5::has_object(file, xname) ? yname : xname) +
                     ": expected x and y" + (group.empty() ? "" : " under /" + group));
  h5::Handle x = h5::open_dataset(file, xname, path);
  h5::Handle y = h5::open_dataset(file, yname, path);
  const auto xs = h5::dataset_shape(x.id(), xwhere);
  const auto ys = h5::dataset_shape(y.id(), ywhere);
  if (xs.size() != 3 && xs.size() != 4)
    throw InputError(xwhere + ": expected shape [N, C, H, W] or [N, F, T], found rank " +
                     std::to_string(xs.size()));
  if (ys.size() != 1)
    throw InputError(ywhere + ": expected shape [N], found rank " + std::to_string(ys.size()));
  if (xs[0] != ys[0])
    throw InputError(ywhere + ": label count does not match x: expected " +
                     std::to_string(xs[0]) + ", found " + std::to_string(ys[0]));
  const h5::Kind xk = h5::dataset_kind(x.id(), xwhere);
  if (xk != h5::Kind::uint8 && xk != h5::Kind::float32)
    throw InputError(xwhere + ": expected uint8 or float32 elements");
  const h5::Kind yk = h5::dataset_kind(y.id(), ywhere);
  if (yk != h5::Kind::integer && yk != h5::Kind::uint8)
    throw InputError(ywhere + ": expected integer labels");

  SampleSet s;
  for (size_t i = 1; i < xs.size(); ++i) s.sample_shape.push_back(static_cast<int64_t>(xs[i]));
  const size_t elements = static_cast<size_t>(xs[0] * s.sample_size());
  if (xk == h5::Kind::uint8) {
    s.u8.resize(elements);
    h5::read_all(x.id(), H5T_NATIVE_UINT8, s.u8.data(), xwhere);
  } else {
    s.f32.resize(elements);
    h5::read_all(x.id(), H5T_NATIVE_FLOAT, s.f32.data(), xwhere);
  }
  s.labels.resize(ys[0]);
  h5::read_all(y.id(), H5T_NATIVE_INT64, s.labels.data(), ywhere);
  for (size_t i = 0; i < s.labels.size(); ++i) {
    if (s.labels[i] < 0 || s.labels[i] >= classes)
      throw InputError(ywhere + ": element " + std::to_string(i) +
                       ": label out of range: expected 0.." + std::to_string(classes - 1) +
                       ", found " + std::to_string(s.labels[i]));
  }
  return s;
}

}  // namespace

Dataset read_hdf5_tensors(const std::string& path, int classes) {
  try {
    h5::Handle file = h5::open_file_readonly(path);
    Dataset d;
    d.classes = classes;
    if (h5::has_object(file.id(), "train")) {
      d.train = read_pair(file.id(), path, "train/", classes);
      d.test = read_pair(file.id(), path, "test/", classes);
      if (d.train.sample_shape != d.test.sample_shape)
        throw InputError(path + ":/test/x: sample shape differs from /train/x");
    } else {
      d.train = read_pair(file.id(), path, "", classes);
    }
    return d;
  } catch (const h5::Error& e) {
    throw InputError(e.what());
  }
}

}  // namespace joulegrid
