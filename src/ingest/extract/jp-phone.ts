// Japanese numbering plan (MIC): landlines have ten digits with the trunk 0; mobiles (070, 080,
// 090), IP phones (050) and M2M (020) eleven; toll-free 0120 ten and 0800 eleven; navi-dial
// 0570 ten. A number written without separators is only taken when it cannot be a landline,
// because a bare ten-digit run is as likely an account or order number.
const ELEVEN_DIGIT = /^0[25789]0[0-9]{8}$/;
const TOLL_FREE = /^(?:0120[0-9]{6}|0800[0-9]{7}|0570[0-9]{6})$/;
const LANDLINE = /^0[1-9][0-9]{8}$/;
const NOT_LANDLINE_PREFIX = /^(?:0[25789]0|0120|0800|0570)/;

/**
 * The E.164 form of a Japanese phone number as written in text, or undefined when the digits do
 * not fit the numbering plan.
 * @example japanesePhoneE164('03-1234-5678') // '+81312345678'
 */
export function japanesePhoneE164(written: string): string | undefined {
  const international = written.startsWith('+81');
  const digits = (international ? written.slice(3).replace('(0)', '') : written).replace(/[^0-9]/g, '');
  const national = international ? `0${digits}` : digits;
  const separated = international || /[-() ]/.test(written);
  const special = ELEVEN_DIGIT.test(national) || TOLL_FREE.test(national);
  const landline = separated && LANDLINE.test(national) && !NOT_LANDLINE_PREFIX.test(national);
  if (!special && !landline) return undefined;
  return `+81${national.slice(1)}`;
}
