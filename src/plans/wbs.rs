//! The work breakdown structure as a tree: outline numbers (1, 1.2, 1.2.3), and the moves a
//! planner makes (insert, indent, outdent, up, down), each returning only the rows whose
//! place changed. Pure: the caller loads the rows and writes back what comes out.

use std::collections::HashMap;

use rust_decimal::Decimal;

/// A task's place in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub id: i64,
    pub parent: Option<i64>,
    pub sort_order: i32,
}

/// A task in display order, with its outline number and depth (0 = top level).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outlined {
    pub id: i64,
    pub outline: String,
    pub depth: u32,
    pub has_children: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoveError {
    #[error("the task does not exist")]
    Unknown,
    #[error("the first task under its parent cannot be indented")]
    NothingAbove,
    #[error("a top-level task cannot be outdented")]
    AtTop,
    #[error("the task is already at the end")]
    AtEnd,
}

/// The tree of a project's tasks.
#[derive(Debug, Clone)]
pub struct Wbs {
    places: HashMap<i64, Place>,
    /// Children of each parent (None = top level), in order.
    children: HashMap<Option<i64>, Vec<i64>>,
}

impl Wbs {
    pub fn new(rows: impl IntoIterator<Item = Place>) -> Self {
        let places: HashMap<i64, Place> = rows.into_iter().map(|p| (p.id, p)).collect();
        let mut children: HashMap<Option<i64>, Vec<i64>> = HashMap::new();
        for p in places.values() {
            children.entry(p.parent).or_default().push(p.id);
        }
        for list in children.values_mut() {
            list.sort_by_key(|id| places.get(id).map(|p| (p.sort_order, *id)));
        }
        Self { places, children }
    }

    fn kids(&self, parent: Option<i64>) -> &[i64] {
        self.children.get(&parent).map_or(&[], Vec::as_slice)
    }

    /// Every task in display order (depth first) with its outline number.
    pub fn outline(&self) -> Vec<Outlined> {
        let mut out = Vec::with_capacity(self.places.len());
        // An explicit stack keeps a deep tree from overflowing the thread's stack.
        let mut frames: Vec<(Option<i64>, usize, String, u32)> = vec![(None, 0, String::new(), 0)];
        while let Some((parent, index, prefix, depth)) = frames.pop() {
            let Some(&id) = self.kids(parent).get(index) else {
                continue;
            };
            frames.push((parent, index + 1, prefix.clone(), depth));
            let outline = if prefix.is_empty() {
                (index + 1).to_string()
            } else {
                format!("{prefix}.{}", index + 1)
            };
            let has_children = !self.kids(Some(id)).is_empty();
            out.push(Outlined {
                id,
                outline: outline.clone(),
                depth,
                has_children,
            });
            if has_children {
                frames.push((Some(id), 0, outline, depth + 1));
            }
        }
        out
    }

    /// The ids of `id` and everything under it.
    pub fn subtree(&self, id: i64) -> Vec<i64> {
        let mut out = vec![id];
        let mut i = 0;
        while let Some(&at) = out.get(i) {
            out.extend_from_slice(self.kids(Some(at)));
            i += 1;
        }
        out
    }

    /// Where a new task goes: last under `parent`.
    pub fn append_order(&self, parent: Option<i64>) -> i32 {
        self.kids(parent)
            .iter()
            .filter_map(|id| self.places.get(id))
            .map(|p| p.sort_order + 1)
            .max()
            .unwrap_or(0)
    }

    /// Where a task inserted right below `after` goes (same parent, next place), and the
    /// siblings that move down to make room.
    pub fn insert_after(&self, after: i64) -> Result<(Option<i64>, i32, Vec<Place>), MoveError> {
        let place = self.places.get(&after).ok_or(MoveError::Unknown)?;
        let siblings = self.kids(place.parent);
        let index = siblings
            .iter()
            .position(|s| *s == after)
            .ok_or(MoveError::Unknown)?;
        // Renumber as if a task with no id sat at index + 1.
        let shifted = siblings
            .iter()
            .enumerate()
            .filter_map(|(i, id)| {
                let order = if i <= index { i } else { i + 1 };
                let wanted = Place {
                    id: *id,
                    parent: place.parent,
                    sort_order: i32::try_from(order).unwrap_or(i32::MAX),
                };
                (self.places.get(id) != Some(&wanted)).then_some(wanted)
            })
            .collect();
        let order = i32::try_from(index + 1).unwrap_or(i32::MAX);
        Ok((place.parent, order, shifted))
    }

    /// Makes the task the last child of the sibling above it.
    pub fn indent(&self, id: i64) -> Result<Vec<Place>, MoveError> {
        let place = self.places.get(&id).ok_or(MoveError::Unknown)?;
        let siblings = self.kids(place.parent);
        let index = siblings
            .iter()
            .position(|s| *s == id)
            .ok_or(MoveError::Unknown)?;
        let above = *index
            .checked_sub(1)
            .and_then(|i| siblings.get(i))
            .ok_or(MoveError::NothingAbove)?;
        let mut changed = vec![Place {
            id,
            parent: Some(above),
            sort_order: self.append_order(Some(above)),
        }];
        changed.extend(self.renumber(place.parent, &[id], None));
        Ok(changed)
    }

    /// Makes the task the sibling right after its parent.
    pub fn outdent(&self, id: i64) -> Result<Vec<Place>, MoveError> {
        let place = self.places.get(&id).ok_or(MoveError::Unknown)?;
        let parent_id = place.parent.ok_or(MoveError::AtTop)?;
        let parent = self.places.get(&parent_id).ok_or(MoveError::Unknown)?;
        let mut changed = self.renumber(place.parent, &[id], None);
        changed.extend(self.renumber(parent.parent, &[], Some((parent_id, id))));
        Ok(changed)
    }

    /// Swaps the task with the sibling above (`up`) or below it.
    pub fn shift(&self, id: i64, up: bool) -> Result<Vec<Place>, MoveError> {
        let place = self.places.get(&id).ok_or(MoveError::Unknown)?;
        let mut order = self.kids(place.parent).to_vec();
        let index = order
            .iter()
            .position(|s| *s == id)
            .ok_or(MoveError::Unknown)?;
        let other = if up {
            index.checked_sub(1).ok_or(MoveError::AtEnd)?
        } else if index + 1 < order.len() {
            index + 1
        } else {
            return Err(MoveError::AtEnd);
        };
        order.swap(index, other);
        Ok(self.place_in_order(place.parent, &order))
    }

    /// The siblings under `parent` renumbered 0, 1, 2…, leaving out `removed` and putting
    /// `inserted.1` right after `inserted.0`; only rows whose place changed.
    fn renumber(
        &self,
        parent: Option<i64>,
        removed: &[i64],
        inserted: Option<(i64, i64)>,
    ) -> Vec<Place> {
        let mut order: Vec<i64> = Vec::new();
        for &s in self.kids(parent) {
            if removed.contains(&s) {
                continue;
            }
            order.push(s);
            if let Some((after, new)) = inserted
                && after == s
            {
                order.push(new);
            }
        }
        self.place_in_order(parent, &order)
    }

    fn place_in_order(&self, parent: Option<i64>, order: &[i64]) -> Vec<Place> {
        order
            .iter()
            .enumerate()
            .filter_map(|(i, id)| {
                let wanted = Place {
                    id: *id,
                    parent,
                    sort_order: i32::try_from(i).unwrap_or(i32::MAX),
                };
                (self.places.get(id) != Some(&wanted)).then_some(wanted)
            })
            .collect()
    }
}

/// A task's share in a progress roll-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgressLeaf {
    pub id: i64,
    pub parent: Option<i64>,
    pub percent: Decimal,
    /// Explicit weight, or the duration in working days when none is set.
    pub weight: Decimal,
}

/// Percent complete of every summary (and the project, under `None`), weighted; a group
/// whose weights are all zero takes the plain average.
pub fn roll_up_progress(
    leaves: &[ProgressLeaf],
    parents: &HashMap<i64, Option<i64>>,
) -> HashMap<Option<i64>, Decimal> {
    let mut sums: HashMap<Option<i64>, (Decimal, Decimal, Decimal, u32)> = HashMap::new();
    for leaf in leaves {
        // Credit every ancestor, and the project.
        let mut at = leaf.parent;
        let mut guard = 0;
        loop {
            let e = sums.entry(at).or_default();
            e.0 += leaf.percent * leaf.weight;
            e.1 += leaf.weight;
            e.2 += leaf.percent;
            e.3 += 1;
            guard += 1;
            match at {
                Some(p) if guard <= parents.len() => at = parents.get(&p).copied().flatten(),
                _ => break,
            }
        }
    }
    sums.into_iter()
        .map(|(k, (weighted, weight, plain, n))| {
            let pct = if weight > Decimal::ZERO {
                weighted / weight
            } else {
                plain / Decimal::from(n.max(1))
            };
            (k, pct.round_dp(2))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(id: i64, parent: Option<i64>, sort_order: i32) -> Place {
        Place {
            id,
            parent,
            sort_order,
        }
    }

    /// 1 (10) ├ 1.1 (11) └ 1.2 (12);  2 (20);  3 (30)
    fn sample() -> Wbs {
        Wbs::new([
            p(10, None, 0),
            p(11, Some(10), 0),
            p(12, Some(10), 1),
            p(20, None, 1),
            p(30, None, 2),
        ])
    }

    fn outline(w: &Wbs) -> Vec<(i64, String)> {
        w.outline().into_iter().map(|o| (o.id, o.outline)).collect()
    }

    fn apply(w: &Wbs, changed: Vec<Place>) -> Wbs {
        let mut rows: HashMap<i64, Place> = w.places.clone();
        for c in changed {
            rows.insert(c.id, c);
        }
        Wbs::new(rows.into_values())
    }

    #[test]
    fn outline_numbers_follow_the_tree() {
        let w = sample();
        assert_eq!(
            outline(&w),
            vec![
                (10, "1".into()),
                (11, "1.1".into()),
                (12, "1.2".into()),
                (20, "2".into()),
                (30, "3".into())
            ]
        );
        assert!(w.outline()[0].has_children);
        assert_eq!(w.outline()[1].depth, 1);
    }

    #[test]
    fn indent_makes_the_task_a_child_of_the_one_above() {
        let w = sample();
        let changed = w.indent(20).expect("indent");
        let w = apply(&w, changed);
        assert_eq!(outline(&w)[3], (20, "1.3".into()));
        assert_eq!(outline(&w)[4], (30, "2".into()));
        assert_eq!(w.indent(10).err(), Some(MoveError::NothingAbove));
    }

    #[test]
    fn outdent_puts_the_task_after_its_parent() {
        let w = sample();
        let w = apply(&w, w.outdent(11).expect("outdent"));
        assert_eq!(
            outline(&w),
            vec![
                (10, "1".into()),
                (12, "1.1".into()),
                (11, "2".into()),
                (20, "3".into()),
                (30, "4".into())
            ]
        );
        assert_eq!(w.outdent(10).err(), Some(MoveError::AtTop));
    }

    #[test]
    fn shifting_swaps_with_a_sibling_and_moves_the_subtree() {
        let w = sample();
        let changed = w.shift(20, true).expect("up");
        assert_eq!(changed.len(), 2, "only the two swapped rows change");
        let w = apply(&w, changed);
        assert_eq!(outline(&w)[0], (20, "1".into()));
        assert_eq!(outline(&w)[2], (11, "2.1".into()));
        assert_eq!(w.shift(30, false).err(), Some(MoveError::AtEnd));
        assert_eq!(w.subtree(10), vec![10, 11, 12]);
    }

    #[test]
    fn inserting_below_a_task_makes_room_under_the_same_parent() {
        let w = sample();
        let (parent, order, shifted) = w.insert_after(11).expect("insert");
        assert_eq!((parent, order), (Some(10), 1));
        assert_eq!(shifted, vec![p(12, Some(10), 2)]);
        let mut rows: Vec<Place> = w.places.values().copied().collect();
        rows.retain(|r| r.id != 12);
        rows.extend(shifted);
        rows.push(p(99, parent, order));
        let w = Wbs::new(rows);
        assert_eq!(outline(&w)[2], (99, "1.2".into()));
        assert_eq!(outline(&w)[3], (12, "1.3".into()));
        assert_eq!(w.insert_after(1234).err(), Some(MoveError::Unknown));
    }

    #[test]
    fn progress_rolls_up_by_weight() {
        let leaves = [
            ProgressLeaf {
                id: 11,
                parent: Some(10),
                percent: Decimal::from(100),
                weight: Decimal::from(3),
            },
            ProgressLeaf {
                id: 12,
                parent: Some(10),
                percent: Decimal::ZERO,
                weight: Decimal::from(1),
            },
            ProgressLeaf {
                id: 20,
                parent: None,
                percent: Decimal::from(50),
                weight: Decimal::ZERO,
            },
        ];
        let parents = HashMap::from([(10, None), (11, Some(10)), (12, Some(10)), (20, None)]);
        let up = roll_up_progress(&leaves, &parents);
        assert_eq!(up.get(&Some(10)), Some(&Decimal::from(75)));
        assert_eq!(up.get(&None), Some(&Decimal::from(75)));
    }
}
