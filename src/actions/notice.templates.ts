import type { ActionKind, Recipient } from './recipient.resolver.ts';

/** A notice ready to send. */
export interface Notice {
  readonly subject: string;
  readonly text: string;
}

/** Facts a notice states. */
export interface NoticeFacts {
  readonly reference: string;
  readonly kind: ActionKind;
  readonly targetType: string;
  readonly targetValue: string;
  readonly recipient: Recipient;
  /** Why, in one line (from the action's note or the case). */
  readonly reason: string;
  /** Reports behind it: how many organisations reported the value. */
  readonly reporters: number;
  readonly hubName: string;
}

// Values in notices are defanged: a mail client must not turn a phishing URL into a link.
function defang(v: string): string {
  return v.replace(/^http/i, 'hxxp').replace(/\./g, '[.]');
}

const WHAT_EN: Readonly<Record<ActionKind, string>> = {
  takedown: 'Request to take down malicious infrastructure',
  account_freeze: 'Request to freeze a bank account used in fraud',
  sinkhole: 'Request to sinkhole a malicious domain',
  isp_notification: 'Notification of infected hosts on your network',
  deletion_request: 'Request to delete illegal or harmful content',
  hotline_forward: 'Report forwarded from the Japanese hotline',
};

const WHAT_JA: Readonly<Record<ActionKind, string>> = {
  takedown: '不正な基盤の停止（テイクダウン）のお願い',
  account_freeze: '不正利用口座の凍結のお願い',
  sinkhole: '不正ドメインのシンクホール化のお願い',
  isp_notification: '貴社ネットワーク内の感染端末に関するご連絡',
  deletion_request: '違法・有害情報の削除のお願い',
  hotline_forward: '日本のホットラインからの通報の転送',
};

const ASK_EN: Readonly<Record<ActionKind, string>> = {
  takedown: 'Please suspend the service or content at the target and tell us when it is done, or why it cannot be.',
  account_freeze: 'Please freeze the account under your procedures and tell us the frozen and recovered amounts.',
  sinkhole: 'Please point the domain at a sinkhole or suspend it, and tell us when it is done.',
  isp_notification: 'Please notify the subscriber of the infected host and help them clean it.',
  deletion_request: 'Please review the content under your terms of service and delete it, and tell us when it is done.',
  hotline_forward: 'The content appears to be hosted in your country. Please handle it under your procedures.',
};

const ASK_JA: Readonly<Record<ActionKind, string>> = {
  takedown: '対象のサービスまたはコンテンツの停止をご検討いただき、対応結果（または対応できない理由）をお知らせください。',
  account_freeze: '貴行の手続きに従い口座を凍結し、凍結額および被害回復額をお知らせください。',
  sinkhole: '当該ドメインのシンクホールへの向け先変更または停止をご検討いただき、対応結果をお知らせください。',
  isp_notification: '感染端末の契約者へのご連絡と駆除のご支援をお願いいたします。',
  deletion_request: '貴社の利用規約に照らしてご確認のうえ削除をご検討いただき、対応結果をお知らせください。',
  hotline_forward: '当該コンテンツは貴国でホストされているとみられます。貴団体の手続きに従いご対応ください。',
};

/**
 * The notice of an action in Japanese or English: what is asked, about which target (defanged),
 * why, with a reference for the answer. Plain text; nothing of the reporters but their number.
 * @example renderNotice('ja', facts)
 */
export function renderNotice(lang: 'ja' | 'en', f: NoticeFacts): Notice {
  if (lang === 'ja') {
    return {
      subject: `【${f.hubName}】${WHAT_JA[f.kind]}（参照番号 ${f.reference}）`,
      text: [
        `${f.recipient.name} ご担当者様`,
        '',
        `${WHAT_JA[f.kind]}をお送りします。`,
        '',
        `対象: ${defang(f.targetValue)}（${f.targetType}）`,
        `理由: ${f.reason}`,
        ...(f.reporters > 0 ? [`報告組織数: ${f.reporters}`] : []),
        `参照番号: ${f.reference}`,
        '',
        ASK_JA[f.kind],
        'ご返信の際は参照番号を件名に含めてください。',
        '',
        `-- ${f.hubName}`,
      ].join('\n'),
    };
  }
  return {
    subject: `[${f.hubName}] ${WHAT_EN[f.kind]} (ref ${f.reference})`,
    text: [
      `To: ${f.recipient.name}`,
      '',
      `${WHAT_EN[f.kind]}.`,
      '',
      `Target: ${defang(f.targetValue)} (${f.targetType})`,
      `Reason: ${f.reason}`,
      ...(f.reporters > 0 ? [`Reported by: ${f.reporters} organisation(s)`] : []),
      `Reference: ${f.reference}`,
      '',
      ASK_EN[f.kind],
      'Please keep the reference in the subject of your answer.',
      '',
      `-- ${f.hubName}`,
    ].join('\n'),
  };
}
