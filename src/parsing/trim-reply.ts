/**
 * Strips quoted history and signatures from a reply, keeping what the sender wrote. Pure.
 * Conservative: text written between quoted blocks (inline answers) is kept; only the trailing quoted
 * history, its attribution line and a trailing signature are removed. The full original is always stored.
 */
const ATTRIBUTION = [
  /^On .{1,200}(wrote|writes):?\s*$/i, // English (Gmail, Apple)
  /^.{0,200}\b(napsal|napsala|napisał|napisała|schrieb|a écrit|escribió|ha scritto|schreef|skrev|kirjoitti)\b.{0,40}:?\s*$/i,
  /^\s*(?:在|於).{0,120}(?:写道|寫道)[:：]?\s*$/, // Chinese
  /^-{2,}\s*(Original Message|Původní zpráva|Wiadomość oryginalna|Ursprüngliche Nachricht|Message d'origine|原始邮件)\s*-{2,}\s*$/i,
  /^_{10,}\s*$/, // Outlook separator line
  /^(From|Od|Von|De|发件人|寄件者):\s.+$/i, // Outlook header block start (followed by Sent/Date)
];
const SIGNATURE = [/^-- ?$/, /^Sent from my (iPhone|iPad|Android|mobile)/i, /^Odesláno z /i, /^Wysłane z /i, /^Von meinem .* gesendet/i, /^Get Outlook for /i];

export function trimReply(text: string): { body: string; trimmed: boolean } {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  let end = lines.length;
  // Trailing quote block (with an attribution line just above it, possibly wrapped over two lines).
  let i = end - 1;
  while (i >= 0 && (lines[i]!.trim() === "" || lines[i]!.startsWith(">"))) i--;
  if (i < end - 1 && lines.slice(i + 1).some((l) => l.startsWith(">"))) {
    end = i + 1;
    if (i >= 0 && ATTRIBUTION.some((re) => re.test(lines[i]!.trim()))) end = i;
    else if (i >= 1 && ATTRIBUTION.some((re) => re.test(`${lines[i - 1]!.trim()} ${lines[i]!.trim()}`))) end = i - 1;
  }
  // An Outlook-style or "original message" block with no '>' quoting: everything after it is history.
  for (let j = 0; j < end; j++) {
    const l = lines[j]!.trim();
    const outlookHeader = /^(From|Od|Von|De|发件人|寄件者):\s/i.test(l) && /^(Sent|Date|Odesláno|Wysłano|Gesendet|Envoyé|发送时间|Datum):\s/i.test(lines[j + 1]?.trim() ?? "");
    if (outlookHeader || ATTRIBUTION.slice(2, 5).some((re) => re.test(l)) || (ATTRIBUTION[0]!.test(l) && lines.slice(j + 1, end).every((x) => x.trim() === "" || x.startsWith(">")))) {
      if (lines.slice(0, j).some((x) => x.trim() !== "")) {
        end = j;
        break;
      }
    }
  }
  // Signature.
  for (let j = end - 1; j >= 0; j--) {
    if (SIGNATURE.some((re) => re.test(lines[j]!.trimEnd())) && lines.slice(0, j).some((x) => x.trim() !== "") && end - j <= 12) {
      end = j;
      break;
    }
  }
  const body = lines.slice(0, end).join("\n").trim();
  return { body: body || text.trim(), trimmed: end < lines.length && body.length > 0 && body !== text.trim() };
}
