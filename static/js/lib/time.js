// Times and dates as the server writes them (coordination/organisation/timefmt.py): a moment
// in the official's zone, labelled WIB, WITA or WIT (else its UTC offset), and a calendar date
// the way the official's language writes it ("5 Desember 2026", "5 December 2026").
//
//   const clock = createClock({ zone, language, labels });  // labels: {zone name: "WIB", …}
//   clock.when("2026-11-30T01:52:00+00:00") → "30 Nov, 08.52 WIB" (in Jakarta, in
//   Indonesian); clock.day("2026-12-05") → "5 Desember 2026"

export function createClock({ zone, language, labels = {} }) {
  const locale = language === "id" ? "id-ID" : "en-GB";
  const timeFormat = new Intl.DateTimeFormat(locale, {
    timeZone: zone, day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
  });
  const dateFormat = new Intl.DateTimeFormat(locale, {
    timeZone: "UTC", day: "numeric", month: "long", year: "numeric",
  });
  const label = labels[zone] || offsetLabel(zone);
  return {
    label,
    when: (iso) => `${timeFormat.format(new Date(iso))} ${label}`,
    day: (isoDate) => dateFormat.format(new Date(`${isoDate}T00:00:00Z`)),
  };
}

function offsetLabel(zone) {
  const part = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "shortOffset" })
    .formatToParts(new Date()).find((p) => p.type === "timeZoneName");
  return part ? part.value.replace("GMT", "UTC") : "UTC";
}
