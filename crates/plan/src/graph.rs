//! The plan's dependency graph: edges from parent to child, and the cycles in it.

use std::collections::{HashMap, VecDeque};

use crate::plan::Action;

/// Parent → child edges between action indices, parents resolved by uuid (the first action
/// with a uuid wins; duplicates are reported by validation, not here).
#[derive(Debug, Clone, Default)]
pub(crate) struct Graph {
    /// `children[i]`: the actions that list action `i` as a parent, in plan order, once each.
    pub(crate) children: Vec<Vec<usize>>,
    /// `parent_count[i]`: how many distinct, existing parents action `i` has.
    pub(crate) parent_count: Vec<usize>,
}

impl Graph {
    /// The graph of `actions`; parents that name no action are left out.
    pub(crate) fn new(actions: &[Action]) -> Self {
        let index = first_index_by_uuid(actions);
        let mut children = vec![Vec::new(); actions.len()];
        let mut parent_count = vec![0; actions.len()];
        for (child, action) in actions.iter().enumerate() {
            let mut parents: Vec<usize> = action
                .parents
                .iter()
                .filter_map(|uuid| index.get(uuid.as_str()).copied())
                .collect();
            parents.sort_unstable();
            parents.dedup();
            parent_count[child] = parents.len();
            for parent in parents {
                children[parent].push(child);
            }
        }
        Self {
            children,
            parent_count,
        }
    }

    /// One cycle per group of actions that wait on each other: each is a path of indices that
    /// starts and ends at the group's first action in plan order (`[a, b, a]`: `a` is a parent
    /// of `b`, which is a parent of `a`).
    pub(crate) fn cycles(&self) -> Vec<Vec<usize>> {
        let mut cycles: Vec<Vec<usize>> = strongly_connected(&self.children)
            .into_iter()
            .filter_map(|members| {
                let start = members.iter().copied().min()?;
                let cyclic = members.len() > 1 || self.children[start].contains(&start);
                cyclic.then(|| self.shortest_cycle_through(start, &members))
            })
            .collect();
        cycles.sort_unstable_by_key(|cycle| cycle.first().copied());
        cycles
    }

    /// The shortest path from `start` back to itself inside one strongly connected component.
    fn shortest_cycle_through(&self, start: usize, members: &[usize]) -> Vec<usize> {
        let mut came_from: HashMap<usize, usize> = HashMap::new();
        let mut queue = VecDeque::from([start]);
        while let Some(node) = queue.pop_front() {
            for &child in &self.children[node] {
                if child == start {
                    return path_back(&came_from, start, node);
                }
                if members.contains(&child) && !came_from.contains_key(&child) {
                    came_from.insert(child, node);
                    queue.push_back(child);
                }
            }
        }
        // Every member of a cyclic component reaches `start`; keep a best effort anyway.
        let mut path = members.to_vec();
        path.push(start);
        path
    }
}

/// `start → ... → last → start`, following `came_from` back from `last`.
fn path_back(came_from: &HashMap<usize, usize>, start: usize, last: usize) -> Vec<usize> {
    let mut path = vec![start, last];
    let mut node = last;
    while node != start {
        match came_from.get(&node) {
            Some(&previous) => {
                path.push(previous);
                node = previous;
            }
            None => break,
        }
    }
    path.reverse();
    path
}

/// The index of the first action with each uuid.
pub(crate) fn first_index_by_uuid(actions: &[Action]) -> HashMap<&str, usize> {
    let mut index = HashMap::with_capacity(actions.len());
    for (position, action) in actions.iter().enumerate() {
        index.entry(action.uuid.as_str()).or_insert(position);
    }
    index
}

/// Kosaraju's strongly connected components, iteratively (plans can be long chains).
fn strongly_connected(children: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut parents = vec![Vec::new(); children.len()];
    for (node, node_children) in children.iter().enumerate() {
        for &child in node_children {
            parents[child].push(node);
        }
    }
    let mut component = vec![None; children.len()];
    let mut components = Vec::new();
    for &root in finishing_order(children).iter().rev() {
        if component[root].is_some() {
            continue;
        }
        let id = components.len();
        component[root] = Some(id);
        let (mut members, mut stack) = (Vec::new(), vec![root]);
        while let Some(node) = stack.pop() {
            members.push(node);
            for &parent in &parents[node] {
                if component[parent].is_none() {
                    component[parent] = Some(id);
                    stack.push(parent);
                }
            }
        }
        components.push(members);
    }
    components
}

/// Nodes in the order a depth-first search finishes them.
fn finishing_order(children: &[Vec<usize>]) -> Vec<usize> {
    let mut visited = vec![false; children.len()];
    let mut order = Vec::with_capacity(children.len());
    for root in 0..children.len() {
        if visited[root] {
            continue;
        }
        visited[root] = true;
        let mut stack = vec![(root, 0)];
        while let Some((node, next)) = stack.last_mut() {
            if let Some(&child) = children[*node].get(*next) {
                *next += 1;
                if !visited[child] {
                    visited[child] = true;
                    stack.push((child, 0));
                }
            } else {
                order.push(*node);
                stack.pop();
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> Graph {
        let actions: Vec<Action> = edges
            .iter()
            .map(|(uuid, parents)| Action::new(*uuid, "nop").with_parents(parents.iter().copied()))
            .collect();
        Graph::new(&actions)
    }

    #[test]
    fn acyclic_graph_has_no_cycles() {
        let diamond = graph(&[("a", &[]), ("b", &["a"]), ("c", &["a"]), ("d", &["b", "c"])]);
        assert!(diamond.cycles().is_empty());
        assert_eq!(diamond.parent_count, [0, 1, 1, 2]);
    }

    #[test]
    fn each_cycle_is_a_closed_path_from_its_first_action() {
        let two_cycles = graph(&[
            ("a", &["c"]),
            ("b", &["a"]),
            ("c", &["b"]),
            ("d", &["a"]),
            ("e", &["e"]),
        ]);
        assert_eq!(two_cycles.cycles(), [vec![0, 1, 2, 0], vec![4, 4]]);
    }
}
