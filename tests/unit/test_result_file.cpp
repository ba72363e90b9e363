#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>

#include "file_size_limit.hpp"
#include "mixbo/io/hdf5.hpp"
#include "mixbo/io/result_file.hpp"
#include "mixbo/io/trial_params.hpp"
#include "scratch.hpp"

using namespace mixbo;
namespace fs = std::filesystem;

namespace {

ResultCurve curve() {
  ResultCurve c;
  c.trial_id = "t0003";
  c.steps = {100, 200, 300};
  c.metrics["loss"] = {3.0, 2.5, 2.2};
  c.metrics["acc"] = {0.1, 0.2, 0.3};
  return c;
}

const ResultExpectations kExpect{"t0003", {"loss"}, 300};

std::string failure(const ResultCurve& c, const ResultExpectations& e = kExpect) {
  const auto f = test::scratch_dir("result-test") / "bad.h5";
  write_result(f, c);
  try {
    read_result(f, e);
  } catch (const ResultError& err) {
    EXPECT_NE(std::string(err.what()).find(f.string()), std::string::npos);
    return err.what();
  }
  ADD_FAILURE() << "accepted";
  return "";
}

}  // namespace

TEST(ResultFile, RoundTrip) {
  const auto f = test::scratch_dir("result-test") / "ok.h5";
  write_result(f, curve());
  const auto c = read_result(f, {"t0003", {"loss", "acc"}, 300});
  EXPECT_EQ(c.steps, curve().steps);
  EXPECT_EQ(c.metrics.at("loss"), curve().metrics.at("loss"));
  EXPECT_EQ(c.status, "ok");
}

TEST(ResultFile, PartialCurveIsValid) {
  auto c = curve();
  c.status = "partial";
  c.steps = {100};
  c.metrics["loss"] = {3.0};
  c.metrics["acc"] = {0.1};
  const auto f = test::scratch_dir("result-test") / "partial.h5";
  write_result(f, c);
  EXPECT_EQ(read_result(f, kExpect).steps.size(), 1u);
}

TEST(ResultFile, EveryValidationFailureNamesTheProblem) {
  auto c = curve();
  EXPECT_NE(failure(c, {"t0009", {"loss"}, 300}).find("trial_id is 't0003', expected 't0009'"),
            std::string::npos);
  EXPECT_NE(failure(c, {"t0003", {"ppl"}, 300}).find("metric 'ppl' is missing"), std::string::npos);
  EXPECT_NE(failure(c, {"t0003", {"loss"}, 200}).find("beyond the run's budget"),
            std::string::npos);
  c.metrics["loss"] = {3.0, 2.5};
  EXPECT_NE(failure(c).find("has 2 values for 3 steps"), std::string::npos);
  c = curve();
  c.metrics["loss"][1] = std::nan("");
  EXPECT_NE(failure(c).find("not finite at step 200"), std::string::npos);
  c = curve();
  c.steps = {100, 100, 300};
  EXPECT_NE(failure(c).find("not strictly increasing"), std::string::npos);
  c = curve();
  c.status = "weird";
  EXPECT_NE(failure(c).find("status 'weird'"), std::string::npos);
}

TEST(ResultFile, TruncatedAndMissingFilesAreResultErrors) {
  const auto f = test::scratch_dir("result-test") / "trunc.h5";
  write_result(f, curve());
  fs::resize_file(f, fs::file_size(f) / 3);
  EXPECT_THROW(read_result(f, kExpect), ResultError);
  std::ofstream(test::scratch_dir("result-test") / "garbage.h5") << "not hdf5 at all";
  EXPECT_THROW(read_result(test::scratch_dir("result-test") / "garbage.h5", kExpect), ResultError);
  EXPECT_THROW(read_result(test::scratch_dir("result-test") / "absent.h5", kExpect), ResultError);
}

TEST(ResultFile, ReadsWhatH5pyWrites) {
  if (std::system("/usr/bin/python3 -c 'import h5py' 2>/dev/null") != 0)
    GTEST_SKIP() << "python3-h5py absent";
  const auto f = test::scratch_dir("result-test") / "py.h5";
  const std::string cmd =
      "/usr/bin/python3 -c \"import h5py, numpy as np\n"
      "with h5py.File('" +
      f.string() +
      "', 'w') as h:\n"
      "    h.attrs['schema'] = 1\n"
      "    h.attrs['trial_id'] = 't0003'\n"
      "    h.attrs['status'] = 'ok'\n"
      "    h['steps'] = np.array([100, 200], dtype=np.int64)\n"
      "    h['loss'] = np.array([2.0, 1.5])\n\"";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const auto c = read_result(f, {"t0003", {"loss"}, 300});
  EXPECT_EQ(c.metrics.at("loss")[1], 1.5);
}

TEST(TrialParams, RoundTripAndEnvironment) {
  TrialParams p;
  p.trial_id = "t0001";
  p.campaign = "demo";
  p.domains = {"web data", "code's \"best\"", "books"};
  p.mixture = {0.2, 0.3000000000000001, 0.5};
  p.scale = "150M";
  p.scale_params = 1.5e8;
  p.steps = 4800;
  p.checkpoint_interval = 100;
  p.seed = 99;
  p.trial_dir = "/tmp/a dir/with 'quotes'";
  p.result = p.trial_dir / "result.h5";
  p.metrics = {"loss"};
  p.cost = 0.0123;
  p.noise = 0.003;
  p.run_noise = 0.004;
  const auto f = test::scratch_dir("result-test") / "params.ini";
  write_params(f, p);
  const auto q = read_params(f);
  EXPECT_EQ(q.noise, 0.003);
  EXPECT_EQ(q.run_noise, 0.004);
  EXPECT_EQ(q.domains, p.domains);
  EXPECT_EQ(q.mixture, p.mixture);
  EXPECT_EQ(q.trial_dir, p.trial_dir);
  EXPECT_EQ(q.steps, 4800);
  EXPECT_DOUBLE_EQ(q.cost, 0.0123);
  const auto env = params_environment(q, f);
  EXPECT_EQ(env.at("MIXBO_STEPS"), "4800");
  EXPECT_EQ(env.at("MIXBO_PARAMS"), f.string());
}

// A params.ini written before simulator.run_noise existed has no run_noise: it reads as 0 (a
// campaign resumed under a newer mixbo replays its trials as they were).
TEST(TrialParams, ParamsWithoutRunNoiseReadAsNone) {
  TrialParams p;
  p.trial_id = "t0001";
  p.campaign = "demo";
  p.domains = {"web", "code"};
  p.mixture = {0.5, 0.5};
  p.metrics = {"loss"};
  p.noise = 0.003;
  const auto dir = test::scratch_dir("result-test");
  write_params(dir / "params.ini", p);
  std::ifstream in(dir / "params.ini");
  std::ofstream out(dir / "old-params.ini");
  int dropped = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("run_noise", 0) == 0) {
      ++dropped;
      continue;
    }
    out << line << "\n";
  }
  out.close();
  ASSERT_EQ(dropped, 1);
  const auto q = read_params(dir / "old-params.ini");
  EXPECT_EQ(q.run_noise, 0.0);
  EXPECT_EQ(q.noise, 0.003);
}

TEST(TrialParams, MalformedFileNamesTheKey) {
  const auto f = test::scratch_dir("result-test") / "bad-params.ini";
  std::ofstream(f) << "trial_id = t1\ncampaign = c\nattempt = x\n";
  try {
    read_params(f);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'attempt'"), std::string::npos) << e.what();
  }
}

// Issue 15, defect 5: a FIFO at $MIXBO_RESULT hung the driver in open() for good.
TEST(ResultFile, FifoIsRefusedWithoutBlocking) {
  const auto f = test::scratch_dir("result-test") / "fifo.h5";
  fs::remove(f);
  ASSERT_EQ(::mkfifo(f.c_str(), 0644), 0);
  auto reader = std::async(std::launch::async, [&]() -> std::string {
    try {
      read_result(f, kExpect);
    } catch (const ResultError& e) {
      return e.what();
    }
    return "accepted";
  });
  if (reader.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    ADD_FAILURE() << "read_result blocks on a FIFO";
    const int fd = ::open(f.c_str(), O_WRONLY | O_NONBLOCK);  // let it go
    if (fd >= 0) ::close(fd);
  }
  const std::string msg = reader.get();
  EXPECT_NE(msg.find("not a regular file"), std::string::npos) << msg;
  EXPECT_NE(msg.find(f.string()), std::string::npos) << msg;
  fs::remove(f);
}

// Issue 15, defect 9: float steps (100.5) were truncated to integers.
TEST(ResultFile, FloatStepsAreRefused) {
  const auto f = test::scratch_dir("result-test") / "float-steps.h5";
  h5::write_file(f, [](h5::hid_t h) {
    h5::write_attr(h, "schema", std::int64_t{1});
    h5::write_attr(h, "trial_id", std::string("t0003"));
    h5::write_attr(h, "status", std::string("ok"));
    h5::write_doubles(h, "steps", {100.5, 200});
    h5::write_doubles(h, "loss", {3.0, 2.5});
  });
  try {
    read_result(f, kExpect);
    FAIL() << "accepted float steps";
  } catch (const ResultError& e) {
    EXPECT_NE(std::string(e.what()).find("'steps'"), std::string::npos) << e.what();
  }
}

// A result that cannot be written whole (disk full; here past RLIMIT_FSIZE) is an error naming
// the file, and the result already there stays as it was: the old code ignored a failed close in
// a destructor and could rename a truncated file over it.
TEST(ResultFile, FailedWriteKeepsThePreviousResult) {
  const auto dir = test::scratch_dir("result-test") / "disk-full";
  fs::create_directories(dir);
  const auto f = dir / "result.h5";
  write_result(f, curve());
  const auto before = fs::file_size(f);
  ResultCurve big = curve();
  for (int m = 0; m < 400; ++m) {
    std::string name = "m";  // piecewise: GCC 12 warns falsely (-Wrestrict) on "m" + string
    name += std::to_string(m);
    big.metrics[name] = {3.0, 2.5, 2.2};
  }
  const auto r = test::write_with_file_size_limit(before + 4096, [&] { write_result(f, big); });
  EXPECT_TRUE(r.exited) << "the writing process died";
  ASSERT_TRUE(r.threw) << "wrote past the limit";
  EXPECT_NE(r.error.find(f.parent_path().string()), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("File too large"), std::string::npos) << r.error;
  const ResultCurve back = read_result(f, kExpect);
  EXPECT_EQ(back.metrics.at("loss"), curve().metrics.at("loss"));
  EXPECT_EQ(fs::file_size(f), before);
  int files = 0;  // no temporary file left behind
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 1);
}
