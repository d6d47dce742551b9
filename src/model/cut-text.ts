/** `text` cut to at most `max` UTF-16 units, `marker` included at the end; a surrogate pair is never split. */
export function cutText(text: string, max: number, marker: string): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - marker.length);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end) + marker;
}
