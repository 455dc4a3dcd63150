import { describe, expect, it } from "vitest";
import { trimReply } from "../../src/parsing/trim-reply.ts";

describe("trimReply", () => {
  it("drops a Gmail-style quote under the reply", () => {
    expect(trimReply("Thanks, that fixed it.\n\nOn Mon, 3 Nov 2026 at 10:00, Support <support@helpdesk.test> wrote:\n> Please restart.\n").body).toBe("Thanks, that fixed it.");
  });

  it("drops an attribution that the client wrapped over two lines", () => {
    expect(trimReply("Works now.\n\nOn Mon, 3 Nov 2026 at 10:00, Support <\nsupport@helpdesk.test> wrote:\n\n> Please restart.").body).toBe("Works now.");
  });

  it("understands Czech and Polish attributions and Outlook header blocks", () => {
    expect(trimReply("Děkuji.\n\nDne 3. 11. 2026 v 10:00 Support <s@h.test> napsal(a):\n> Restartujte.").body).toBe("Děkuji.");
    expect(trimReply("Dziękuję.\n\nFrom: Support <s@h.test>\nSent: Monday\nTo: Jan\nSubject: Re: printer\n\nRestart please.").body).toBe("Dziękuję.");
  });

  it("drops an attribution without a date when a quote follows it, and keeps the same words as prose", () => {
    expect(trimReply("It is still burning.\n\nOn Mon, Support wrote:\n> Hello Vera,\n> thank you").body).toBe("It is still burning.");
    const prose = "On Monday my boss wrote:\nwe need a new printer.";
    expect(trimReply(prose)).toEqual({ body: prose, trimmed: false });
  });

  it("keeps answers written between quoted lines", () => {
    const text = "> Is the printer on?\nYes, it is on.\n> Which model?\nHP 4000.\n";
    expect(trimReply(text).body).toBe("> Is the printer on?\nYes, it is on.\n> Which model?\nHP 4000.");
  });

  it("removes mobile signatures", () => {
    expect(trimReply("See you tomorrow.\n\nSent from my iPhone").body).toBe("See you tomorrow.");
    expect(trimReply("À demain.\n\nEnvoyé depuis mon iPhone").body).toBe("À demain.");
  });

  it("leaves a message without quotes alone", () => {
    const text = "Hello,\n\nthe printer on floor 3 is broken.\n\nRegards, Jan";
    expect(trimReply(text)).toEqual({ body: text, trimmed: false });
  });
});
