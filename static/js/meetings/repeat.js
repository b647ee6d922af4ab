// The meeting form's "Repeats" fields: the weekdays only for a weekly meeting, the number of
// meetings or the last date only for the way the series ends, nothing more for a meeting
// that does not repeat. Without the script every field shows and the server still checks.

export function showRepeatFields(root) {
  const box = root.querySelector("[data-repeat]");
  if (!box) return;
  const repeat = box.querySelector("select[name=repeat]");
  const ends = box.querySelector("select[name=ends]");
  const field = (name) => box.querySelector(`[name=${name}]`)?.closest(".field");
  const update = () => {
    const repeating = repeat.value !== "";
    field("interval").hidden = !repeating;
    box.querySelector("[data-repeat-weekly]").hidden = repeat.value !== "weekly";
    box.querySelector("[data-repeat-ends]").hidden = !repeating;
    field("count").hidden = ends.value !== "count";
    field("until").hidden = ends.value !== "until";
  };
  repeat.addEventListener("change", update);
  ends.addEventListener("change", update);
  update();
}
