// The campaign archive campaign.h5: exact round trip of everything a campaign records, readable
// by h5dump and h5py, and crash-safe: a writer killed with SIGKILL at any instant leaves a
// complete archive of the last (or the in-flight) generation, never a torn one.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>

#include "file_size_limit.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/io/archive.hpp"
#include "mixbo/io/hdf5.hpp"
#include "run_command.hpp"
#include "scratch.hpp"

using namespace mixbo;
namespace fs = std::filesystem;

namespace {

SearchSpace space3() {
  Eigen::VectorXd lo(3), hi(3);
  lo << 0.05, 0.0, 0.1;
  hi << 0.9, 1.0, 0.8;
  return SearchSpace(BoundedSimplex({"web", "code", "books"}, lo, hi),
                     ScaleLadder::paper_default("1B"), StepGrid(100, 2000, {500, 1000}));
}

// A campaign state after `gen` changes: gen trials, 3*gen observations, gen/2 iterations.
Archive generation(int gen) {
  Archive a;
  a.campaign = "gen";
  a.strategy = "random";
  a.config_text = "[campaign]\nname = gen\n";
  a.created = 1.7e9;
  a.observations.metric_names = {"web_CE", "code_CE"};
  a.observations.metric.assign(2, {});
  for (int t = 0; t < gen; ++t) {
    TrialRecord r;
    r.id = "t" + std::to_string(t + 1);
    r.point.w = Eigen::Vector3d(0.2, 0.3, 0.5);
    r.point.scale = t % 7;
    r.point.steps = 100 * (t + 1);
    r.cost = 0.01 * t;
    r.iteration = t / 2;
    a.trials.push_back(r);
    a.record(t, TrialState::Submitted, "job" + std::to_string(t));
    a.record(t, TrialState::Done);
    for (int s = 1; s <= 3; ++s) {
      a.observations.trial.push_back(t);
      a.observations.step.push_back(100 * s);
      a.observations.value.push_back(gen + 0.001 * s);
      a.observations.metric[0].push_back(t + s);
      a.observations.metric[1].push_back(-t - s);
    }
  }
  for (int i = 0; i < gen / 2; ++i) {
    IterationRecord it;
    it.iteration = i;
    it.n_proposed = 2;
    a.iterations.push_back(it);
  }
  return a;
}

Archive rich() {
  Archive a;
  a.campaign = "rich";
  a.strategy = "mfms-bo";
  a.config_text = "[campaign]\nname = rich\n# ünïcödé, \"quotes\", 'single'\n";
  a.created = 1763880000.25;
  // Metric names out of alphabetical order: the file lists them sorted.
  a.observations.metric_names = {"web_CE", "code_CE"};
  a.observations.metric.assign(2, {});
  const std::vector<TrialState> final_states = {TrialState::Done, TrialState::Failed,
                                                TrialState::Running, TrialState::Cancelled,
                                                TrialState::Proposed};
  for (int t = 0; t < 5; ++t) {
    TrialRecord r;
    r.id = "t000" + std::to_string(t + 1);
    r.point.w = Eigen::Vector3d(0.1 + 0.1 * t, 0.5 - 0.05 * t, 0.4 - 0.05 * t);
    r.point.scale = t;
    r.point.steps = 500 * (t % 3 + 1);
    r.cost = 0.125 * (t + 1);
    r.iteration = t < 4 ? t / 2 : -1;
    r.source = t == 4 ? "/data/old runs/ablation \"7\"" : "";
    a.trials.push_back(r);
  }
  a.record(0, TrialState::Submitted, "mixbo-rich-t0001.1");
  a.record(0, TrialState::Running);
  a.record(0, TrialState::Done, "", "partial: TIMEOUT");
  a.record(1, TrialState::Submitted, "4242");
  a.record(1, TrialState::Failed, "", "exit code 1");
  a.trials[1].attempt = 2;
  a.trials[1].job_id.clear();
  a.record(1, TrialState::Proposed, "", "retry after: exit code 1");
  a.record(1, TrialState::Submitted, "4250");
  a.record(1, TrialState::Failed, "", "result: NaN in web_CE");
  a.record(2, TrialState::Submitted, "4243");
  a.record(2, TrialState::Running);
  a.record(3, TrialState::Submitted, "4244");
  a.record(3, TrialState::Cancelled, "", "cancelled by mixbo cancel");
  for (int s = 1; s <= 4; ++s) {
    a.observations.trial.push_back(0);
    a.observations.step.push_back(100 * s);
    a.observations.value.push_back(3.0 - 0.1 * s);
    a.observations.metric[0].push_back(3.0 - 0.1 * s);
    a.observations.metric[1].push_back(2.0 - 0.1 * s);
  }
  IterationRecord i0;
  i0.iteration = 0;
  i0.time = 1763880001.5;
  i0.propose_seconds = 0.75;
  i0.n_proposed = 2;
  i0.diagnostics = {{"lengthscale_web", 0.3}, {"noise", 1e-4}};
  IterationRecord i1;
  i1.iteration = 1;
  i1.time = 1763880002.5;
  i1.propose_seconds = 1.25;
  i1.n_proposed = 2;
  i1.rec_valid = true;
  i1.rec_mean = 2.6;
  i1.rec_lo = 2.5;
  i1.rec_hi = 2.7;
  i1.rec_w = Eigen::Vector3d(0.2, 0.3, 0.5);
  i1.diagnostics = {
      {"noise", 2e-4}, {"acq_value", 0.01}, {"bimix.alpha.web/crawl 50%", 0.7}, {".", 1}};
  a.iterations = {i0, i1};
  a.recommendation = i1;
  return a;
}

void expect_same(const Archive& a, const Archive& b) {
  EXPECT_EQ(a.campaign, b.campaign);
  EXPECT_EQ(a.strategy, b.strategy);
  EXPECT_EQ(a.config_text, b.config_text);
  EXPECT_EQ(a.created, b.created);
  ASSERT_EQ(a.trials.size(), b.trials.size());
  for (size_t i = 0; i < a.trials.size(); ++i) {
    const auto &x = a.trials[i], &y = b.trials[i];
    SCOPED_TRACE(x.id);
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.point.w, y.point.w);
    EXPECT_EQ(x.point.scale, y.point.scale);
    EXPECT_EQ(x.point.steps, y.point.steps);
    EXPECT_EQ(x.cost, y.cost);
    EXPECT_EQ(x.iteration, y.iteration);
    EXPECT_EQ(x.attempt, y.attempt);
    EXPECT_EQ(x.state, y.state);
    EXPECT_EQ(x.job_id, y.job_id);
    EXPECT_EQ(x.reason, y.reason);
    EXPECT_EQ(x.source, y.source);
  }
  ASSERT_EQ(a.events.size(), b.events.size());
  for (size_t i = 0; i < a.events.size(); ++i) {
    const auto &x = a.events[i], &y = b.events[i];
    EXPECT_EQ(x.trial, y.trial);
    EXPECT_EQ(x.time, y.time);
    EXPECT_EQ(x.state, y.state);
    EXPECT_EQ(x.attempt, y.attempt);
    EXPECT_EQ(x.job_id, y.job_id);
    EXPECT_EQ(x.reason, y.reason);
  }
  EXPECT_EQ(a.observations.trial, b.observations.trial);
  EXPECT_EQ(a.observations.step, b.observations.step);
  EXPECT_EQ(a.observations.value, b.observations.value);
  ASSERT_EQ(a.observations.metric_names.size(), b.observations.metric_names.size());
  for (size_t m = 0; m < a.observations.metric_names.size(); ++m) {
    const auto& name = a.observations.metric_names[m];
    const auto& names = b.observations.metric_names;
    const auto at = std::find(names.begin(), names.end(), name);
    ASSERT_NE(at, names.end()) << name;
    EXPECT_EQ(a.observations.metric[m],
              b.observations.metric[static_cast<size_t>(at - names.begin())]);
  }
  ASSERT_EQ(a.iterations.size(), b.iterations.size());
  for (size_t i = 0; i < a.iterations.size(); ++i) {
    const auto &x = a.iterations[i], &y = b.iterations[i];
    EXPECT_EQ(x.iteration, y.iteration);
    EXPECT_EQ(x.time, y.time);
    EXPECT_EQ(x.propose_seconds, y.propose_seconds);
    EXPECT_EQ(x.n_proposed, y.n_proposed);
    EXPECT_EQ(x.rec_valid, y.rec_valid);
    if (x.rec_valid) {
      EXPECT_EQ(x.rec_mean, y.rec_mean);
      EXPECT_EQ(x.rec_lo, y.rec_lo);
      EXPECT_EQ(x.rec_hi, y.rec_hi);
      EXPECT_EQ(x.rec_w, y.rec_w);
    }
    EXPECT_EQ(x.diagnostics, y.diagnostics);  // absent keys stay absent (NaN in the file)
  }
  EXPECT_EQ(a.recommendation.rec_valid, b.recommendation.rec_valid);
  EXPECT_EQ(a.recommendation.iteration, b.recommendation.iteration);
  EXPECT_EQ(a.recommendation.rec_mean, b.recommendation.rec_mean);
  EXPECT_EQ(a.recommendation.rec_w, b.recommendation.rec_w);
}

}  // namespace

TEST(Archive, RoundTripKeepsEverything) {
  const auto dir = test::scratch_dir("archive", "roundtrip");
  const Archive a = rich();
  save_archive(dir / "campaign.h5", a, space3());
  const Archive b = load_archive(dir / "campaign.h5");
  expect_same(a, b);
  EXPECT_EQ(archive_domains(dir / "campaign.h5"),
            (std::vector<std::string>{"web", "code", "books"}));
  // The state history says what happened to the retried trial, attempt by attempt.
  EXPECT_EQ(b.job_ids(1), (std::vector<std::string>{"4242", "4250"}));
  EXPECT_EQ(b.trials[1].attempt, 2);
  // Nothing but the archive is left in the folder (no temporary file).
  int files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 1);
}

TEST(Archive, EmptyCampaignRoundTrips) {
  const auto dir = test::scratch_dir("archive", "empty");
  Archive a;
  a.campaign = "empty";
  a.strategy = "random";
  a.observations.metric_names = {"loss"};
  a.observations.metric.assign(1, {});
  save_archive(dir / "campaign.h5", a, space3());
  const Archive b = load_archive(dir / "campaign.h5");
  expect_same(a, b);
  EXPECT_TRUE(b.trials.empty());
  EXPECT_EQ(b.observations.metric_names, std::vector<std::string>{"loss"});
}

TEST(Archive, SaveReplacesTheOldFile) {
  const auto dir = test::scratch_dir("archive", "replace");
  save_archive(dir / "campaign.h5", generation(3), space3());
  save_archive(dir / "campaign.h5", generation(5), space3());
  const Archive b = load_archive(dir / "campaign.h5");
  EXPECT_EQ(b.trials.size(), 5u);
  EXPECT_EQ(b.observations.size(), 15u);
}

TEST(Archive, RefusesWhatIsNotAnArchive) {
  const auto dir = test::scratch_dir("archive", "refuse");
  std::ofstream(dir / "junk.h5") << "not hdf5 at all";
  try {
    load_archive(dir / "junk.h5");
    FAIL() << "loaded a text file";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("junk.h5"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_archive(dir / "missing.h5"), Error);
  // A valid HDF5 file without the archive's tables names what is missing.
  h5::write_file(dir / "other.h5",
                 [](h5::hid_t f) { h5::write_attr(f, "schema", std::int64_t{1}); });
  try {
    load_archive(dir / "other.h5");
    FAIL() << "loaded a foreign HDF5 file";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("other.h5"), std::string::npos) << e.what();
  }
  // A cut-off archive is refused, not half-read.
  save_archive(dir / "campaign.h5", rich(), space3());
  fs::resize_file(dir / "campaign.h5", fs::file_size(dir / "campaign.h5") / 2);
  EXPECT_THROW(load_archive(dir / "campaign.h5"), Error);
}

TEST(Archive, ReadableByH5dump) {
  if (test::run_command("command -v h5dump").exit_code != 0)
    GTEST_SKIP() << "h5dump not installed (Debian package hdf5-tools)";
  const auto dir = test::scratch_dir("archive", "h5dump");
  save_archive(dir / "campaign.h5", rich(), space3());
  const auto r = test::run_command(
      "h5dump -d /trials/id -d /trials/reason -d /observations/step "
      "-a /recommendation/mean " +
      (dir / "campaign.h5").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"t0003\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("result: NaN in web_CE"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("100, 200, 300, 400"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("2.6"), std::string::npos) << r.output;
  const auto h = test::run_command("h5dump -H " + (dir / "campaign.h5").string());
  ASSERT_EQ(h.exit_code, 0) << h.output;
  for (const char* name :
       {"GROUP \"space\"", "GROUP \"trials\"", "GROUP \"events\"", "GROUP \"observations\"",
        "GROUP \"iterations\"", "GROUP \"diagnostics\"", "ATTRIBUTE \"state_names\"",
        "DATASET \"config\""})
    EXPECT_NE(h.output.find(name), std::string::npos) << name;
}

TEST(Archive, ReadableByH5py) {
  if (test::run_command("/usr/bin/python3 -c 'import h5py'").exit_code != 0)
    GTEST_SKIP() << "/usr/bin/python3 with h5py not installed (Debian package python3-h5py)";
  const auto dir = test::scratch_dir("archive", "h5py");
  const auto file = dir / "campaign.h5";
  save_archive(file, rich(), space3());
  const auto script = dir / "read.py";
  std::ofstream(script) << R"(import sys, h5py
f = h5py.File(sys.argv[1], "r")
ids = [s.decode() for s in f["trials/id"][:]]
state = f["trials/state"][:]
names = dict(p.split("=") for p in f["trials/state"].attrs["state_names"].split(","))
print("ids", ",".join(ids))
print("states", ",".join(names[str(s)] for s in state))
print("obs", len(f["observations/value"]), round(float(f["observations/metric/code_CE"][:].sum()), 6))
print("mixture", f["trials/mixture"].shape)
print("domains", ",".join(s.decode() for s in f["space/domains"][:]))
print("source", f["trials/source"][4].decode())
print("rec", f["recommendation"].attrs["mean"], list(f["recommendation/w"][:]))
print("diag", sorted(f["iterations/diagnostics"].keys()))
)";
  const auto r = test::run_command("/usr/bin/python3 " + script.string() + " " + file.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("ids t0001,t0002,t0003,t0004,t0005"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("states done,failed,running,cancelled,proposed"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("obs 4 7.0"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("mixture (5, 3)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("domains web,code,books"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("source /data/old runs/ablation \"7\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("rec 2.6 [0.2, 0.3, 0.5]"), std::string::npos) << r.output;
  EXPECT_NE(
      r.output.find(
          "diag ['%2E', 'acq_value', 'bimix.alpha.web%2Fcrawl 50%25', 'lengthscale_web', 'noise']"),
      std::string::npos)
      << r.output;
}

// A child saves generation 1, 2, 3, ... and reports each completed save on a pipe; the parent
// kills it with SIGKILL at seeded random instants. Every time, the archive on disk must open and
// be exactly generation G or G+1, G = the last save the child completed (G+1: the kill came
// after the rename, before the report).
TEST(Archive, SigkillNeverLeavesATornFile) {
  const auto dir = test::scratch_dir("archive", "sigkill");
  const auto file = dir / "campaign.h5";
  const SearchSpace sp = space3();
  // Kill instants spread over a few saves (a save's duration depends on the disk's fsync).
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) save_archive(dir / "probe.h5", generation(39), sp);
  const double save_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / 3;
  std::mt19937 rng(20261123);
  std::uniform_int_distribution<int> delay_us(200, 200 + static_cast<int>(6 * save_us));
  int last_gen = 0, kills = 0, mid_write = 0;
  for (int round = 0; round < 20; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const int start = last_gen + 1;
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      for (int g = start;; ++g) {
        save_archive(file, generation(g % 40), sp);  // sizes go up and down
        const int done = g;
        if (::write(fds[1], &done, sizeof done) != sizeof done) ::_exit(3);
      }
    }
    ::close(fds[1]);
    // Kill only after one save of this round has completed, so every round makes progress
    // however busy the machine is; the random delay then lands anywhere in later saves.
    int first = 0;
    ASSERT_EQ(::read(fds[0], &first, sizeof first), static_cast<ssize_t>(sizeof first));
    ::usleep(static_cast<useconds_t>(delay_us(rng)));
    ::kill(pid, SIGKILL);
    int st = 0;
    ASSERT_EQ(::waitpid(pid, &st, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(st)) << "the writer died on its own";
    ++kills;
    int g = 0, completed = first;
    while (::read(fds[0], &g, sizeof g) == sizeof g) completed = g;
    ::close(fds[0]);
    if (!fs::exists(file)) {
      ASSERT_EQ(completed, 0) << "the archive vanished after a completed save";
      continue;
    }
    Archive a;
    ASSERT_NO_THROW(a = load_archive(file)) << "torn archive after kill " << kills;
    const int n = static_cast<int>(a.trials.size());
    const bool is_g = n == completed % 40, is_next = n == (completed + 1) % 40;
    EXPECT_TRUE(is_g || is_next) << "on disk: " << n << " trials; last completed generation "
                                 << completed;
    ASSERT_EQ(a.observations.size(), 3u * static_cast<size_t>(n));
    ASSERT_EQ(a.events.size(), 2u * static_cast<size_t>(n));
    ASSERT_EQ(a.iterations.size(), static_cast<size_t>(n / 2));
    for (double v : a.observations.value) ASSERT_EQ(std::floor(v), n);
    if (is_next && !is_g) ++mid_write;
    last_gen = is_next && !is_g ? completed + 1 : completed;
  }
  EXPECT_EQ(kills, 20);
  EXPECT_GE(last_gen, 20) << "the writer hardly ran: the test proves little";
  // Temporary files of killed writers are left, never the archive itself damaged.
  std::cout << "save " << save_us << " us, " << last_gen << " generations, " << mid_write
            << " kills between rename and report\n";
  RecordProperty("save_us", static_cast<int>(save_us));
  RecordProperty("generations", last_gen);
  RecordProperty("killed_after_rename", mid_write);
}

namespace {

// Overwrites element `i` of an int64 dataset in place (a corruption a crash cannot cause, but a
// disk or a hand edit can).
void poke_int(const fs::path& file, const std::string& dataset, hsize_t i, std::int64_t v) {
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  const hid_t ds = H5Dopen2(f, dataset.c_str(), H5P_DEFAULT);
  ASSERT_GE(ds, 0);
  const hid_t space = H5Dget_space(ds);
  const hsize_t one = 1;
  H5Sselect_hyperslab(space, H5S_SELECT_SET, &i, nullptr, &one, nullptr);
  const hid_t mem = H5Screate_simple(1, &one, nullptr);
  EXPECT_GE(H5Dwrite(ds, H5T_NATIVE_INT64, mem, space, H5P_DEFAULT, &v), 0);
  H5Sclose(mem);
  H5Sclose(space);
  H5Dclose(ds);
  H5Fclose(f);
}

std::string load_error(const fs::path& file) {
  try {
    load_archive(file);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "loaded a corrupted archive";
  return "";
}

}  // namespace

// Issue 15, defect 8: a bad row index surfaced as vector::_M_range_check in status and run.
TEST(Archive, CorruptIndexIsNamedOnLoad) {
  const auto dir = test::scratch_dir("archive", "corrupt-index");
  const auto file = dir / "campaign.h5";
  struct Case {
    const char* dataset;
    std::int64_t value;
  };
  for (const Case c :
       {Case{"/observations/trial", 999}, Case{"/events/trial", -1}, Case{"/trials/scale", 7}}) {
    save_archive(file, generation(4), space3());
    poke_int(file, c.dataset, 1, c.value);
    const auto msg = load_error(file);
    EXPECT_NE(msg.find(file.string()), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.dataset), std::string::npos) << msg;
    EXPECT_NE(msg.find(std::to_string(c.value)), std::string::npos) << msg;
  }
}

// Issue 15, defect 9: HDF5 converts a float dataset read as integers silently (100.5 -> 100).
TEST(Archive, IntegersAreNotReadFromFloatDatasets) {
  const auto dir = test::scratch_dir("archive", "float-ints");
  h5::write_file(dir / "f.h5", [](h5::hid_t f) {
    h5::write_doubles(f, "steps", {100.5, 200});
    h5::write_ints(f, "ints", {1, 2});
  });
  h5::Handle f = h5::open_file(dir / "f.h5");
  try {
    h5::read_ints(f.id(), "steps");
    FAIL() << "read 100.5 as an integer";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'steps'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not an integer"), std::string::npos) << e.what();
  }
  EXPECT_EQ(h5::read_doubles(f.id(), "ints"), (std::vector<double>{1, 2}));  // ints are numbers
}

// Issue 15, disk full: a save that cannot be written (here: past RLIMIT_FSIZE, which fails the
// write(2) like ENOSPC does) keeps the previous archive and says so. The saving process then exits
// normally: it used to crash in HDF5's exit handler (session 11: mixbo run ended in a segfault).
TEST(Archive, FailedSaveKeepsThePreviousArchive) {
  const auto dir = test::scratch_dir("archive", "disk-full");
  const auto file = dir / "campaign.h5";
  save_archive(file, generation(2), space3());
  const auto before = fs::file_size(file);
  const auto r = test::write_with_file_size_limit(
      before + 4096, [&] { save_archive(file, generation(20), space3()); });  // far larger
  EXPECT_TRUE(r.exited) << "the saving process died";
  ASSERT_TRUE(r.threw) << "saved past the limit";
  EXPECT_NE(r.error.find("cannot save the campaign archive " + file.string()), std::string::npos)
      << r.error;
  EXPECT_NE(r.error.find("File too large"), std::string::npos) << r.error;  // errno, said
  EXPECT_NE(r.error.find("intact"), std::string::npos) << r.error;
  const Archive a = load_archive(file);
  EXPECT_EQ(a.trials.size(), 2u);
  EXPECT_EQ(fs::file_size(file), before);
  int files = 0;  // no temporary file left behind
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 1);
}
