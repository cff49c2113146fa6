// HwUnitControl (Windows 8 and later): what Storport asks of a miniport about its logical units
// (HW_UNIT_CONTROL and SCSI_UNIT_CONTROL_TYPE pages). The port asks which control types the
// miniport supports once the adapter has started, then calls it only for those: ScsiUnitStart
// when a unit starts, ScsiUnitSurpriseRemoval and ScsiUnitRemove when the adapter is
// surprise-removed. Every call is at PASSIVE_LEVEL with no lock held (the pages' table of IRQLs
// and spin locks).
//
// Decisions where the pages are silent (the emulation has no bus scan and no class driver):
//  - A unit starts before the first request for it that is not a bus scan's (INQUIRY, REPORT
//    LUNS): the class driver's I/O comes after its unit's start. Storport tries it once per unit;
//    the request reaches the miniport whatever ScsiUnitStart returned (the requests stand for
//    all that reaches Storport), and only a unit that started is removed later.
//  - A start is due only where PnP would run it: on a CPU at PASSIVE_LEVEL. A request submitted
//    above it leaves the unit to the next one.
//  - Surprise removal: ScsiUnitSurpriseRemoval for every started unit before the adapter stops
//    (PnP removes children before their parent), ScsiUnitRemove for each once Storport has
//    failed what the miniport still held, before the adapter is gone.
#include <algorithm>
#include <memory>

#include "port_state.h"

namespace msirig::sp {

namespace {

bool Supported(const Adapter& a, SCSI_UNIT_CONTROL_TYPE type) {
  return static_cast<size_t>(type) < a.supported_unit_controls.size() &&
         a.supported_unit_controls[type];
}

bool Scan(const SCSI_REQUEST_BLOCK& srb) {
  return srb.Function == SRB_FUNCTION_EXECUTE_SCSI &&
         (srb.Cdb[0] == SCSIOP_INQUIRY || srb.Cdb[0] == SCSIOP_REPORT_LUNS);
}

}  // namespace

void PortState::QueryUnitControls(Adapter& a) {
  a.supported_unit_controls.assign(ScsiUnitControlMax, FALSE);
  if (init_data.HwUnitControl == nullptr || os_version < OsVersion::kWin8) return;
  trace.Add(Event::kRoutine, CpuIndex(), Cpu().irql, "HwUnitControl",
            ScsiQuerySupportedUnitControlTypes);
  // Decision: a miniport that fails the query (which it "must support") supports nothing.
  a.supported_unit_controls =
      AskSupportedTypes(a, Callback::kUnitControl, ScsiUnitControlMax, [&](auto list) {
        return init_data.HwUnitControl(a.extension.get(), ScsiQuerySupportedUnitControlTypes,
                                       list) == ScsiUnitControlSuccess;
      });
}

namespace {

// One unit control call for unit `lu` (LuKey), its address in a buffer of its own size that is
// freed when the call returns (a miniport that keeps the pointer uses freed memory).
bool CallForUnit(PortState& s, Adapter& a, SCSI_UNIT_CONTROL_TYPE type, uint32_t lu) {
  auto address = std::make_unique<STOR_ADDR_BTL8>();
  address->Type = STOR_ADDRESS_TYPE_BTL8;
  address->Port = 0;
  address->AddressLength = STOR_ADDR_BTL8_ADDRESS_LENGTH;
  address->Path = static_cast<UCHAR>(lu >> 16);
  address->Target = static_cast<UCHAR>(lu >> 8);
  address->Lun = static_cast<UCHAR>(lu);
  s.trace.Add(Event::kRoutine, s.CpuIndex(), s.Cpu().irql, "HwUnitControl", type, lu);
  s.EnterCallback(Callback::kUnitControl, &a, kLineInterrupt, PASSIVE_LEVEL, kEntryNone);
  const SCSI_UNIT_CONTROL_STATUS status =
      s.init_data.HwUnitControl(a.extension.get(), type, address.get());
  s.LeaveCallback();
  return status == ScsiUnitControlSuccess;
}

}  // namespace

void PortState::StartUnitFor(Adapter& a, uint32_t lu, const SCSI_REQUEST_BLOCK& srb) {
  if (!Supported(a, ScsiUnitStart) || Cpu().irql != PASSIVE_LEVEL || Scan(srb)) return;
  for (const auto& [unit, started] : a.units) {
    if (unit == lu) return;  // tried once: PnP does not start a unit again
  }
  a.units.emplace_back(lu, false);
  const bool started = CallForUnit(*this, a, ScsiUnitStart, lu);
  // Found again by its key: while the miniport ran, another CPU may have started another unit
  // or surprise-removed the adapter, which emptied the list (then the unit never counted as
  // started, and nothing is removed for it). A stale index wrote past the vector's end
  // (crashes/port_removal_frees_srb_in_build_io, replayed in the OSS build, whose libc++
  // annotates containers for ASan).
  for (auto& [unit, ok] : a.units) {
    if (unit == lu) ok = started;
  }
  if (!started) trace.Add(Event::kRoutine, CpuIndex(), Cpu().irql, "unit-start-failed", lu);
}

void PortState::RemoveUnits(Adapter& a, SCSI_UNIT_CONTROL_TYPE type) {
  if (Cpu().irql != PASSIVE_LEVEL) return;
  if (Supported(a, type)) {
    // Only the units whose start succeeded exist for PnP. By index: the list is not iterated
    // by reference across a call into the miniport.
    for (size_t i = 0; i < a.units.size(); ++i) {
      if (a.units[i].second) CallForUnit(*this, a, type, a.units[i].first);
    }
  }
  if (type == ScsiUnitRemove) a.units.clear();
}

}  // namespace msirig::sp
