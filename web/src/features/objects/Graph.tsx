import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import cytoscape, { type Core } from 'cytoscape';
import { api } from '../../app/api.ts';
import { navigate } from '../../app/router.ts';
import type { ObjectDetail } from './ObjectPage.tsx';

const COLOURS: Record<string, string> = {
  indicator: '#b3261e',
  malware: '#7b1fa2',
  infrastructure: '#0b57d0',
  incident: '#e65100',
  'threat-actor': '#1b5e20',
  campaign: '#4e342e',
};

/**
 * The relationship graph (cytoscape, loaded only when opened). Clicking a node adds its neighbours, as far as
 * the caller may see them (GET /api/v1/objects/{id}); double-click opens its page.
 */
export default function Graph({ rootId, rootLabel, rootType }: { rootId: string; rootLabel: string; rootType: string }) {
  const { t } = useTranslation();
  const box = useRef<HTMLDivElement>(null);
  const cy = useRef<Core | null>(null);
  const expanded = useRef(new Set<string>());
  const [count, setCount] = useState(1);
  const [selected, setSelected] = useState<string>(rootLabel);

  useEffect(() => {
    if (!box.current) return;
    const c = cytoscape({
      container: box.current,
      elements: [{ data: { id: rootId, label: rootLabel.slice(0, 40), type: rootType } }],
      style: [
        { selector: 'node', style: { label: 'data(label)', 'font-size': 10, 'background-color': (n: cytoscape.NodeSingular) => COLOURS[n.data('type') as string] ?? '#455a64', color: '#111', 'text-valign': 'bottom', 'text-margin-y': 4 } },
        { selector: 'edge', style: { width: 1.5, 'line-color': '#90a4ae', 'target-arrow-color': '#90a4ae', 'target-arrow-shape': 'triangle', 'curve-style': 'bezier', label: 'data(label)', 'font-size': 8, color: '#37474f' } },
        { selector: ':selected', style: { 'border-width': 3, 'border-color': '#f4b400' } },
      ],
      layout: { name: 'grid' },
    });
    cy.current = c;
    const expand = async (id: string): Promise<void> => {
      if (expanded.current.has(id)) return;
      expanded.current.add(id);
      const d = await api<ObjectDetail>(`/api/v1/objects/${encodeURIComponent(id)}`).catch(() => null);
      if (!d) return;
      for (const r of d.relationships) {
        if (c.getElementById(r.object.id).empty()) c.add({ data: { id: r.object.id, label: (r.object.name ?? r.object.type).slice(0, 40), type: r.object.type } });
        const [s, tgt] = r.direction === 'out' ? [id, r.object.id] : [r.object.id, id];
        const edgeId = `${r.via}:${s}:${tgt}`;
        if (c.getElementById(edgeId).empty()) c.add({ data: { id: edgeId, source: s, target: tgt, label: r.label } });
      }
      c.layout({ name: 'cose', animate: false }).run();
      setCount(c.nodes().length);
    };
    c.on('tap', 'node', (e) => {
      setSelected(String(e.target.data('label')));
      void expand(String(e.target.id()));
    });
    c.on('dbltap', 'node', (e) => navigate(`/objects/${String(e.target.id())}`));
    void expand(rootId);
    return () => c.destroy();
  }, [rootId, rootLabel, rootType]);

  return (
    <>
      <p className="muted">{t('object.graphHelp')}</p>
      <div ref={box} className="graph" role="img" aria-label={t('object.graphLabel', { count })} />
      <p role="status">
        {t('object.graphNodes', { count })} · {t('object.graphSelected')} <span translate="no">{selected}</span>
      </p>
    </>
  );
}
