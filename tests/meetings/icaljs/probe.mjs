// Reads an iCalendar text the way Thunderbird does (ical.js) and answers, as JSON on stdout:
// for the VTIMEZONE named `tzid`, the UTC offset (seconds) of each local time in `times`;
// for every VEVENT, its UID and its start as a UTC instant. Input on stdin:
//   {"ics": "BEGIN:VCALENDAR…", "tzid": "Europe/Amsterdam", "times": ["2026-07-01T10:00:00"]}
// Used by tests/meetings/test_timezones.py; `npm ci` here installs the pinned ical.js.

import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const calendar = new ICAL.Component(ICAL.parse(input.ics));
const zones = new Map();
for (const component of calendar.getAllSubcomponents("vtimezone")) {
  const zone = new ICAL.Timezone(component);
  zones.set(zone.tzid, zone);
  ICAL.TimezoneService.register(component);
}

const offsets = [];
const zone = input.tzid ? zones.get(input.tzid) : null;
if (input.tzid && !zone) throw new Error(`no VTIMEZONE ${input.tzid}`);
for (const text of input.times || []) {
  const [date, clock] = text.split("T");
  const [year, month, day] = date.split("-").map(Number);
  const [hour, minute, second] = clock.split(":").map(Number);
  const time = new ICAL.Time({ year, month, day, hour, minute, second, isDate: false }, zone);
  offsets.push(zone.utcOffset(time));
}

const events = calendar.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  return { uid: event.uid, start: event.startDate.toJSDate().toISOString() };
});

process.stdout.write(JSON.stringify({ offsets, events, zones: [...zones.keys()] }));
