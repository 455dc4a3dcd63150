/** The custom fields and products the case-fields tests configure (one agent-only field: margin). */
export const FIELDS_CONFIG = (cfg: Record<string, unknown>, customer: string) => {
  cfg.caseFields = [
    { key: "contract", label: { en: "Contract", cs: "Smlouva" }, type: "text", required: true, visibility: "customer" },
    { key: "seats", type: "number" },
    { key: "plan", label: "Plan", type: "picklist", options: ["Basic", "Pro"], visibility: "customer" },
    { key: "margin", label: "Margin", type: "number", visibility: "agent" },
    { key: "os", type: "multipicklist", options: ["Linux", "Windows"] },
    { key: "onsite", type: "yesno" },
    { key: "due", type: "date" },
  ];
  cfg.products = [
    { code: "CAM-1", name: "Camera One" },
    { code: "OLD-9", name: "Old Nine", active: false },
  ];
  cfg.contacts = [...((cfg.contacts as object[] | undefined) ?? []), { email: customer, name: "Pat Phone", phone: "+420 601 234 567", portal: true }];
};
